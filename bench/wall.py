#!/usr/bin/env python3
"""The viewer's wall against one camera, side by side in one run: four
pistream-servers at 1280x720 @ 30 fps (the pan across a photograph that
bench.py makes), then the viewer's CPU with one of them full size in a
1280x720 window, and with all four as a wall in the same window (tiles of
640x360: each asks its server for the half-size rung, protocol 1.3, and
decodes 640x360 JPEGs). Both windows on Xvfb, where the viewer draws with
SDL's software renderer (no GPU): the same for both.

Targets (issue 18): the wall costs <= 1.5x the CPU of one full-size camera,
and no tile shows fewer than 29 fps.

    python3 bench/wall.py --build build [--seconds 10] [--rounds 3]
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Server, cpu_seconds, log, make_clip  # noqa: E402

WIDTH, HEIGHT = 1280, 720


class Display:
    """Xvfb of our own, on the display number it picks."""

    def __init__(self):
        self.process = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", f"{WIDTH}x{HEIGHT}x24",
                                         "-nolisten", "tcp"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.name = ":" + self.process.stdout.readline().decode().strip()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def viewer_run(build, display, addresses, seconds, warmup):
    """Viewer CPU seconds per second after `warmup`, and its stderr."""
    log_file = tempfile.NamedTemporaryFile(prefix="pistream-bench-wall-", delete=False)
    env = dict(os.environ, DISPLAY=display.name)
    command = [f"{build}/desktop-client/pistream-viewer", "--insecure", "--size", f"{WIDTH}x{HEIGHT}",
               "--no-overlay"] + addresses
    process = subprocess.Popen(command, stderr=log_file, stdout=subprocess.DEVNULL, env=env)
    time.sleep(warmup)  # connections made, first frames decoded, textures made
    cpu0, t0 = cpu_seconds(process.pid), time.monotonic()
    time.sleep(seconds)
    cpu1, t1 = cpu_seconds(process.pid), time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    text = open(log_file.name).read()
    os.unlink(log_file.name)
    return (cpu1 - cpu0) / (t1 - t0), text


def tile_rates(text):
    """fps shown per tile, from the lines the wall logs when it closes."""
    return [float(rate) for rate in re.findall(r"tile \d+ .* (\d+\.\d+) fps shown", text)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build-bench")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    workdir = os.path.join(tempfile.gettempdir(), "pistream-bench")
    os.makedirs(workdir, exist_ok=True)
    log("wall: making the input (a pan across a photograph)")
    clip = make_clip(workdir, WIDTH, HEIGHT, 90)
    servers = [Server(args.build, ["--listen", "127.0.0.1:0", "--source", f"y4m:{clip}", "--fps", "30",
                                   "--no-announce", "--name", f"camera-{i + 1}"]) for i in range(4)]
    addresses = [f"127.0.0.1:{server.port}" for server in servers]
    display = Display()
    singles, walls, lowest = [], [], []
    try:
        for round_ in range(args.rounds):
            # Alternate which goes first, so drift on a shared machine hits both.
            order = ["one", "wall"] if round_ % 2 == 0 else ["wall", "one"]
            for kind in order:
                if kind == "one":
                    cpu, _ = viewer_run(args.build, display, addresses[:1], args.seconds, args.warmup)
                    singles.append(cpu)
                else:
                    cpu, text = viewer_run(args.build, display, addresses, args.seconds, args.warmup)
                    rates = tile_rates(text)
                    if len(rates) != 4:
                        raise RuntimeError("the wall did not report four tiles:\n" + text[-2000:])
                    walls.append(cpu)
                    lowest.append(min(rates))
                    log(f"wall round {round_ + 1}: tiles at " + ", ".join(f"{r:.1f}" for r in rates) + " fps")
                log(f"{kind} round {round_ + 1}: viewer CPU {100 * cpu:.0f}% of a core")
    finally:
        display.stop()
        for server in servers:
            server.stop()

    stages = json.loads(subprocess.run([f"{args.build}/bench/pistream-bench-stages", "--input", clip, "--frames",
                                        "60"], check=True, capture_output=True, text=True).stdout)
    one, wall = statistics.median(singles), statistics.median(walls)
    print(f"\nViewer CPU, 1280x720 window on Xvfb, medians of {args.rounds} rounds of {args.seconds:g} s"
          f" ({os.cpu_count()} CPUs)")
    print(f"  one camera 1280x720 @ 30 fps, full size   {100 * one:6.1f}% of a core")
    print(f"  wall of four 1280x720 @ 30 fps (640x360)   {100 * wall:6.1f}% of a core")
    print(f"  wall / one                                 {wall / one:6.2f}x   (target <= 1.5x)")
    print(f"  lowest tile fps shown, per round           {', '.join(f'{r:.1f}' for r in lowest)}"
          f"   (target: none below 29)")
    full, half = stages["decode_ms"], stages["decode_half_ms"]
    print("\nDecoding one 1280x720 frame of the same clip, one thread, median of 60")
    print(f"  full size                                  {full:6.2f} ms")
    print(f"  full size, then scaled to 640x360 (libyuv) {stages['decode_then_scale_half_ms']:6.2f} ms")
    print(f"  1/2 in the DCT (640x360)                   {half:6.2f} ms   ({half / full:.2f}x full)")
    print(f"  1/4 in the DCT (320x180)                   {stages['decode_quarter_ms']:6.2f} ms"
          f"   ({stages['decode_quarter_ms'] / full:.2f}x full)")


if __name__ == "__main__":
    main()
