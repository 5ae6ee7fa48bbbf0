#!/usr/bin/env python3
"""Motion alert latency (issue 15): from the first moving frame's capture to
Home Assistant's MQTT "ON", through the real pistream-server and Debian's
mosquitto on loopback.

The server plays a y4m clip with known truth in a loop: STILL seconds of a
grey scene, then a bright square crossing it for one second, then still
again (each loop is one event that starts and ends, --event-gap 1). The
bench reads the stream (plain TCP) to learn each frame's capture time on the
server's monotonic clock, which this process shares (CLOCK_MONOTONIC), and
subscribes to pistream/+/motion with paho. Latency = when "ON" arrived minus
when the loop's first moving frame was captured: it includes waiting for
--motion-min-frames analysed frames with motion (2 by default: at 25 fps at
least one frame interval, 40 ms, is the detector's own rule, not overhead).

usage: /usr/bin/python3 bench/motion_alert.py [--build build] [--events 10] [--size 640x480]
Prints one JSON object."""

import argparse
import json
import os
import socket
import struct
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (Server)
import brokers  # noqa: E402  (Broker, percentile)

FPS = 25
STILL_SECONDS = 2   # before the square moves
MOVING_SECONDS = 1
AFTER_SECONDS = 3   # still again: the event ends (--event-gap 1) before the next loop


def write_clip(path, width, height):
    frames = (STILL_SECONDS + MOVING_SECONDS + AFTER_SECONDS) * FPS
    side = height // 3
    chroma = b"\x80" * (2 * ((width + 1) // 2) * ((height + 1) // 2))
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in range(frames):
            luma = bytearray(b"\x60" * (width * height))
            moving = frame - STILL_SECONDS * FPS
            if 0 <= moving < MOVING_SECONDS * FPS:
                x0 = moving * (width - side) // (MOVING_SECONDS * FPS)
                for y in range(side, 2 * side):
                    luma[y * width + x0:y * width + x0 + side] = b"\xE0" * side
            out.write(b"FRAME\n" + bytes(luma) + chroma)
    return frames


class StreamClock(threading.Thread):
    """Reads the stream and remembers each frame's capture time by sequence."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.captured = {}  # sequence -> capture time, seconds on CLOCK_MONOTONIC
        self.lock = threading.Lock()

    def run(self):
        buffer = b""
        try:
            while True:
                data = self.sock.recv(1 << 16)
                if not data:
                    return
                buffer += data
                while len(buffer) >= 4:
                    length = struct.unpack(">I", buffer[:4])[0]
                    if len(buffer) < 4 + length:
                        break
                    body = buffer[5:4 + length]
                    if buffer[4] == 0x02:  # FRAME: sequence, capture_us
                        sequence, capture_us = struct.unpack(">Qq", body[:16])
                        with self.lock:
                            self.captured[sequence] = capture_us / 1e6
                    buffer = buffer[4 + length:]
        except OSError:
            return

    def capture_time(self, sequence):
        with self.lock:
            return self.captured.get(sequence)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--events", type=int, default=10)
    parser.add_argument("--size", default="640x480")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    workdir = tempfile.mkdtemp(prefix="pistream-bench-motion-")
    clip = os.path.join(workdir, "motion.y4m")
    loop = write_clip(clip, width, height)

    import paho.mqtt.client as mqtt
    broker = brokers.Broker("mqtt", workdir)
    arrivals = []  # when each "ON" came, CLOCK_MONOTONIC
    client = mqtt.Client()
    client.on_connect = lambda c, u, f, rc: c.subscribe("pistream/+/motion")
    client.on_message = lambda c, u, m: arrivals.append(time.monotonic()) if m.payload == b"ON" else None
    client.connect("127.0.0.1", broker.port)
    client.loop_start()

    server = bench.Server(args.build, ["--listen", "127.0.0.1:0", "--source", f"y4m:{clip}",
                                       "--event-gap", "1", "--mqtt", f"mqtt://127.0.0.1:{broker.port}"])
    stream = StreamClock(server.port)
    stream.start()
    deadline = time.monotonic() + (args.events + 2) * loop / FPS + 30
    while len(arrivals) < args.events and time.monotonic() < deadline:
        time.sleep(0.2)
    server.stop()
    client.loop_stop()
    broker.stop()

    # Each "ON" belongs to the latest loop whose first moving frame was
    # captured before it; the first loop of a viewer that joined late is skipped.
    first_moving = STILL_SECONDS * FPS
    latencies = []
    for arrived in arrivals:
        best = None
        for sequence, captured in sorted(stream.captured.items()):
            if sequence % loop == first_moving and captured <= arrived:
                best = captured
        if best is not None and arrived - best < 5:
            latencies.append(1000 * (arrived - best))
    result = {"size": args.size, "fps": FPS, "events": len(latencies),
              "on_latency_ms_p50": brokers.percentile(latencies, 50),
              "on_latency_ms_p99": brokers.percentile(latencies, 99),
              "on_latency_ms_max": max(latencies) if latencies else None,
              "min_frames_floor_ms": 1000 / FPS,
              "load_before": os.getloadavg()[0]}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
