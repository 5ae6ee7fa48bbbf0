#!/usr/bin/env python3
"""Adaptive quality benchmark (issue 17): the real pistream-server streaming
bench.py's photograph pan at 1280x720 @ 30 fps to one headless
pistream-viewer in a network namespace behind a token bucket (tc tbf; netem
is not available), with --adapt off and --adapt framerate side by side in one
run:

1. links of 2, 4, 8 and 16 Mbit/s: delivered fps, latency p50/p99, bytes per
   frame, the share of frames on each rung;
2. a link that steps 16 -> 4 -> 16 Mbit/s: seconds until the fps is back
   above 27 after each step, and the worst latency;
3. the server's CPU per frame with one rung in use (one viewer on loopback)
   and with two (plus a viewer behind 4 Mbit/s), as a ratio.

Needs root (network namespaces). Prints one JSON object, then a table.
usage: /usr/bin/python3 bench/adapt.py [--build build] [--seconds 60] [--rates 2,4,8,16]"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (Server, ShapedLink, make_clip, viewers)

RUNGS = ["full", "lower", "half", "half-lower"]


def viewer_command(build, host, port, seconds):
    return [f"{build}/desktop-client/pistream-viewer", "--headless", "--stats", "json", "--insecure",
            "--duration", str(seconds), "--log-level", "warn", f"{host}:{port}"]


def shares(summary):
    frames = summary.get("rung_frames", {})
    total = sum(frames.values()) or 1
    return {name: round(frames.get(name, 0) / total, 3) for name in RUNGS}


def fixed_link(build, clip, rate, policy, seconds):
    with bench.ShapedLink(f"{rate}mbit") as link:
        server = bench.Server(build, ["--listen", f"{link.server_host}:0", "--source", f"y4m:{clip}",
                                      "--adapt", policy])
        try:
            command = link.prefix + viewer_command(build, link.server_host, server.port, seconds)
            summary = json.loads(subprocess.run(command, capture_output=True, check=True,
                                                timeout=seconds + 60).stdout)
        finally:
            server.stop()
    return {"mbit": rate, "policy": policy, "fps": round(summary["fps"], 2),
            "latency_ms": summary["latency_ms"], "bytes_per_frame": round(summary["bytes_per_frame"]),
            "rung_changes": summary.get("rung_changes", 0), "rungs": shares(summary)}


def stepped_link(build, clip, policy, seconds, high=16, low=4):
    """high for a third of the run, low for a third, high again; the viewer's
    per-second stats lines give the fps over time."""
    with bench.ShapedLink(f"{high}mbit") as link:
        server = bench.Server(build, ["--listen", f"{link.server_host}:0", "--source", f"y4m:{clip}",
                                      "--adapt", policy])
        try:
            command = link.prefix + viewer_command(build, link.server_host, server.port, seconds)
            command[command.index("warn")] = "info"
            viewer = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            lines = []
            reader = threading.Thread(target=lambda: lines.extend(viewer.stderr), daemon=True)
            reader.start()
            started = time.monotonic()
            steps = []
            for at, rate in ((seconds / 3, low), (2 * seconds / 3, high)):
                time.sleep(max(0.0, started + at - time.monotonic()))  # the schedule, not a wait for a condition
                link.change(f"{rate}mbit")
                steps.append(at)
            summary = json.loads(viewer.communicate(timeout=seconds + 60)[0])
            reader.join(timeout=5)
        finally:
            server.stop()
    # "  12.0s  1280x720   29.8 fps ..." once a second.
    series = [(float(m.group(1)), float(m.group(2)))
              for m in (re.match(r"\s*([\d.]+)s\s+\d+x\d+\s+([\d.]+) fps", line) for line in lines) if m]
    recovery = []
    for at in steps:
        after = [t for t, fps in series if t > at + 1 and fps > 27]  # +1: a whole second after the step
        recovery.append(round(after[0] - at, 1) if after else None)
    return {"policy": policy, "high_mbit": high, "low_mbit": low, "seconds": seconds,
            "recovery_s": recovery, "latency_ms": summary["latency_ms"], "fps": round(summary["fps"], 2),
            "rung_changes": summary.get("rung_changes", 0), "fps_series": series}


def cpu_per_frame(build, clip, seconds):
    """Server CPU per frame: one viewer on loopback (one rung), then the same
    plus one behind 4 Mbit/s (a second rung), back to back."""
    results = {}
    for label, weak in (("one_rung", False), ("two_rungs", True)):
        with bench.ShapedLink("4mbit") as link:
            server = bench.Server(build, ["--listen", f"0.0.0.0:0", "--source", f"y4m:{clip}"])
            try:
                near = subprocess.Popen(viewer_command(build, "127.0.0.1", server.port, seconds + 6),
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
                far = subprocess.Popen(link.prefix + viewer_command(build, link.server_host, server.port,
                                                                     seconds + 6),
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) if weak else None
                time.sleep(5)  # let the far viewer settle on its rung: part of the schedule
                before = server.cpu()
                time.sleep(seconds)
                used = server.cpu() - before
                near_summary = json.loads(near.communicate(timeout=60)[0])
                far_summary = json.loads(far.communicate(timeout=60)[0]) if far else None
            finally:
                server.stop()
        results[label] = {"cpu_ms_per_frame": round(used * 1000 / (30 * seconds), 3),
                          "far_rungs": shares(far_summary) if far_summary else None,
                          "near_fps": round(near_summary["fps"], 2)}
    results["ratio"] = round(results["two_rungs"]["cpu_ms_per_frame"] /
                             results["one_rung"]["cpu_ms_per_frame"], 3)
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rates", default="2,4,8,16")
    args = parser.parse_args()
    if not bench.ShapedLink.available():
        sys.exit("adapt.py needs root and tc (network namespaces)")
    workdir = os.path.join(tempfile.gettempdir(), "pistream-bench")
    os.makedirs(workdir, exist_ok=True)
    clip = bench.make_clip(workdir, 1280, 720, 90)
    results = {"links": [], "input": "pan across FallenLeaf, 1280x720 @ 30 fps, quality 80 / 50"}
    for rate in [int(r) for r in args.rates.split(",")]:
        for policy in ("off", "framerate"):
            bench.log(f"adapt: {rate} Mbit/s, --adapt {policy}")
            results["links"].append(fixed_link(args.build, clip, rate, policy, args.seconds))
    for policy in ("off", "framerate"):
        bench.log(f"adapt: 16 -> 4 -> 16 Mbit/s, --adapt {policy}")
        results.setdefault("steps", []).append(stepped_link(args.build, clip, policy, args.seconds))
    bench.log("adapt: server CPU per frame, one rung and two")
    results["cpu"] = cpu_per_frame(args.build, clip, max(10, args.seconds // 3))
    print(json.dumps(results))
    print("\nlink     policy     fps    p50 ms  p99 ms  bytes/frame  rungs (full/lower/half/half-lower)", file=sys.stderr)
    for r in results["links"]:
        l = r["latency_ms"] or {}
        print(f"{r['mbit']:>3} Mbit  {r['policy']:<9} {r['fps']:5.1f}  {l.get('p50', 0):7.0f} {l.get('p99', 0):7.0f}"
              f"  {r['bytes_per_frame']:>11}  {'/'.join(str(r['rungs'][n]) for n in RUNGS)}", file=sys.stderr)
    for r in results["steps"]:
        print(f"16->4->16 Mbit/s --adapt {r['policy']}: back above 27 fps after {r['recovery_s']} s; "
              f"latency max {r['latency_ms']['max']:.0f} ms p99 {r['latency_ms']['p99']:.0f} ms", file=sys.stderr)
    c = results["cpu"]
    print(f"server CPU per frame: one rung {c['one_rung']['cpu_ms_per_frame']} ms, two rungs "
          f"{c['two_rungs']['cpu_ms_per_frame']} ms: {c['ratio']}x  [target <= 1.5x]", file=sys.stderr)


if __name__ == "__main__":
    main()
