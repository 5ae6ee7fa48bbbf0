#!/usr/bin/env python3
"""Broker benchmark (issue 16): the real pistream-server publishing a
1280x720 @ 30 fps natural-video clip (bench.py's pan) through Debian's
mosquitto and redis-server on loopback, read by the brokers' own Python
clients. Per broker: frames/s at the subscriber, latency capture ->
subscriber (Redis only: the MXCuBE JSON carries the capture time; an MQTT
payload is the bare JPEG), and the server's CPU per frame with the
publisher on as a ratio to the plain TCP stream to one viewer, measured
back to back in this run. Kafka is not measured: no broker is in Debian,
and librdkafka's mock cluster (what the tests use) is no benchmark.

usage: /usr/bin/python3 bench/brokers.py [--build build] [--seconds 10] [--size 1280x720]
Prints one JSON object."""

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (Server, make_clip, run_viewers, free_port)


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Broker:
    def __init__(self, kind, workdir):
        self.kind, self.port = kind, bench.free_port()
        if kind == "mqtt":
            conf = os.path.join(workdir, "mosquitto.conf")
            with open(conf, "w") as f:
                f.write(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
            command = ["mosquitto", "-c", conf]
        else:
            command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                       "--appendonly", "no", "--dir", workdir]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)

    def url(self, topic):
        return f"{self.kind}://127.0.0.1:{self.port}/{topic}"

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class Subscriber(threading.Thread):
    """Counts frames (and, for Redis, their latency) between start() and stop()."""

    def __init__(self, broker, topic):
        super().__init__(daemon=True)
        self.broker, self.topic = broker, topic
        self.arrivals, self.latencies_ms = [], []
        self.measuring = threading.Event()
        self.done = threading.Event()

    def note(self, latency_ms=None):
        if self.measuring.is_set():
            self.arrivals.append(time.monotonic())
            if latency_ms is not None:
                self.latencies_ms.append(latency_ms)

    def run(self):
        if self.broker.kind == "mqtt":
            import paho.mqtt.client as mqtt
            client = mqtt.Client()
            client.on_connect = lambda c, u, f, rc: c.subscribe(self.topic)
            client.on_message = lambda c, u, m: self.note()
            client.connect("127.0.0.1", self.broker.port)
            while not self.done.is_set():
                client.loop(timeout=0.1)
            client.disconnect()
        else:
            import redis
            pubsub = redis.Redis(host="127.0.0.1", port=self.broker.port).pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(self.topic)
            while not self.done.is_set():
                message = pubsub.get_message(timeout=0.1)
                if message is None:
                    continue
                now = datetime.datetime.now()
                frame = json.loads(message["data"])
                captured = datetime.datetime.combine(
                    now.date(), datetime.datetime.strptime(frame["time"], "%H:%M:%S.%f").time())
                self.note((now - captured).total_seconds() * 1000)


def publisher_run(build, kind, clip, seconds, workdir):
    broker = Broker(kind, workdir)
    subscriber = Subscriber(broker, "bench")
    subscriber.start()
    server = bench.Server(build, ["--listen", "127.0.0.1:0", "--source", f"y4m:{clip}", "--fps", "30",
                                  "--publish", broker.url("bench")])
    time.sleep(2)  # connected, warm
    cpu = server.cpu()
    subscriber.measuring.set()
    time.sleep(seconds)
    subscriber.measuring.clear()
    cpu = server.cpu() - cpu
    server.stop()
    subscriber.done.set()
    subscriber.join(timeout=5)
    broker.stop()
    frames = len(subscriber.arrivals)
    span = subscriber.arrivals[-1] - subscriber.arrivals[0] if frames > 1 else 0
    return {"frames": frames, "fps": (frames - 1) / span if span else 0,
            "latency_ms_p50": percentile(subscriber.latencies_ms, 50),
            "latency_ms_p99": percentile(subscriber.latencies_ms, 99),
            "server_cpu_ms_per_frame": 1000 * cpu / frames if frames else None}


def plain_run(build, clip, seconds):
    server = bench.Server(build, ["--listen", "127.0.0.1:0", "--source", f"y4m:{clip}", "--fps", "30"])
    cpu = server.cpu()
    summaries, _ = bench.run_viewers(build, server.port, 1, seconds, decode=False)
    cpu = server.cpu() - cpu
    server.stop()
    frames = summaries[0]["frames"]
    return {"frames": frames, "fps": summaries[0]["fps"],
            "server_cpu_ms_per_frame": 1000 * cpu / frames if frames else None}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--size", default="1280x720")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    workdir = os.path.join(tempfile.gettempdir(), "pistream-bench")
    os.makedirs(workdir, exist_ok=True)
    clip = bench.make_clip(workdir, width, height, 90)
    result = {"size": args.size, "fps": 30, "seconds": args.seconds, "cpus": os.cpu_count(),
              "load_before": os.getloadavg()[0]}
    for kind in ("mqtt", "redis"):
        if shutil.which("mosquitto" if kind == "mqtt" else "redis-server") is None:
            continue
        plain = plain_run(args.build, clip, args.seconds)
        published = publisher_run(args.build, kind, clip, args.seconds, workdir)
        ratio = (published["server_cpu_ms_per_frame"] / plain["server_cpu_ms_per_frame"]
                 if published["server_cpu_ms_per_frame"] and plain["server_cpu_ms_per_frame"] else None)
        result[kind] = {"subscriber": published, "plain_tcp": plain, "cpu_per_frame_ratio": ratio}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
