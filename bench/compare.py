#!/usr/bin/env python3
"""Two builds of pistream side by side, in one run: the server's CPU per frame
and latency (one decoding viewer, 1280x720 @ 30 fps), a normal viewer beside
stalled ones (1920x1080), and a viewer behind an 8 Mbit/s token bucket. The
builds take turns, round after round, so that whatever else the machine does
falls on both; medians are printed with the ratio after/before.

    python3 bench/compare.py --before OLD/build-bench --after build-bench [--rounds 3]

Each build is a Release build of the whole project (bench/run.sh makes one in
build-bench; check out the other commit in a git worktree and build it the
same way). Needs what bench/run.sh installs."""

import argparse
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def measure(build, clip720, clip1080, seconds, weak_seconds):
    row = {}
    p = bench.paced(build, clip720, seconds)
    row["server CPU ms/frame"] = p["server_cpu_ms_per_frame"]
    row["viewer CPU ms/frame"] = p["viewer_cpu_ms_per_frame"]
    row["latency p50 ms"] = p["latency_ms"]["p50"]
    row["latency p99 ms"] = p["latency_ms"]["p99"]
    s = bench.slow_viewers(build, clip1080, 10, seconds)
    row["beside 10 stalled: share of frames"] = s["normal_share"]
    row["beside 10 stalled: peak private MB"] = s["server_peak_anon_mb"]
    w = bench.weak_link(build, clip720, weak_seconds)
    if "skipped" not in w:
        row["8 Mbit/s: fps"] = w["fps"]
        row["8 Mbit/s: latency p50 ms"] = w["latency_ms"]["p50"]
        row["8 Mbit/s: latency p99 ms"] = w["latency_ms"]["p99"]
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--weak-seconds", type=int, default=20)
    args = parser.parse_args()
    workdir = os.path.join(tempfile.gettempdir(), "pistream-bench")
    os.makedirs(workdir, exist_ok=True)
    clip720 = bench.make_clip(workdir, 1280, 720, 90)
    clip1080 = bench.make_clip(workdir, 1920, 1080, 90)
    builds = {"before": args.before, "after": args.after}
    rows = {name: [] for name in builds}
    for round_ in range(args.rounds):
        order = ["before", "after"] if round_ % 2 == 0 else ["after", "before"]
        for name in order:
            bench.log(f"compare: round {round_ + 1}/{args.rounds}, {name}")
            rows[name].append(measure(builds[name], clip720, clip1080, args.seconds, args.weak_seconds))
    print(f"\n{args.rounds} rounds, builds taking turns; medians")
    print(f"{'':38} {'before':>9} {'after':>9} {'after/before':>13}")
    for key in rows["before"][0]:
        before = statistics.median(r[key] for r in rows["before"])
        after = statistics.median(r[key] for r in rows["after"])
        ratio = after / before if before else float("nan")
        print(f"{key:38} {before:9.2f} {after:9.2f} {ratio:13.2f}")


if __name__ == "__main__":
    main()
