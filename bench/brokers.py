#!/usr/bin/env python3
"""Broker benchmark (issue 16): the real pistream-server publishing a
1280x720 @ 30 fps natural-video clip (bench.py's pan) through Debian's
mosquitto and redis-server on loopback, read by the brokers' own Python
clients. Per broker: frames/s at the subscriber, latency capture ->
subscriber, and the server's CPU per frame with the publisher on as a ratio
to the plain TCP stream to one viewer, measured back to back in this run.

  mqtt   MQTT 3.1.1, the bare JPEG (what Home Assistant reads): no latency,
         the payload carries no time
  mqtt5  MQTT 5 (?protocol=5), the same payload with user properties; the
         latency from the "capture_time" property (paho-mqtt, MQTTv5)
  redis  the MXCuBE JSON; the latency from its "time"

Then the outage (--outage S, 0 to skip): MQTT 3.1.1 publishing, mosquitto
stopped for S seconds, started again on the same port; the server's RSS
growth while it is down against its publisher's bound (queued frames plus
those handed to libmosquitto, times the frame size), and the time from the
broker's return to the first frame at the subscriber (target <= 5 s).

  kafka  librdkafka's mock cluster (pistream-bench-kafka-mock), read by
         confluent-kafka; latency from the "capture_time" header. No Kafka
         broker is in Debian: the mock speaks the real protocol on loopback
         but has no disk and no replication, so these are mock figures (the
         client's and pistream's cost), not what a real cluster does.

usage: /usr/bin/python3 bench/brokers.py [--build build] [--seconds 10] [--size 1280x720]
                                        [--brokers mqtt,mqtt5,redis,kafka] [--outage 60]
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
    def __init__(self, kind, workdir, build=None):
        self.kind, self.port = kind, bench.free_port()
        if kind == "kafka":
            # librdkafka's mock cluster, in a process of its own.
            self.process = subprocess.Popen([f"{build}/bench/pistream-bench-kafka-mock", "bench"],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            self.bootstraps = self.process.stdout.readline().strip()
            return
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

        self.command = command

    def url(self, topic):
        if self.kind == "kafka":
            return f"kafka://{self.bootstraps}/{topic}"
        return f"{self.kind}://127.0.0.1:{self.port}/{topic}"

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def start(self):
        """Again, on the same port, after stop()."""
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Subscriber(threading.Thread):
    """Counts frames (and, for Redis, their latency) between start() and stop()."""

    def __init__(self, broker, topic, mqtt5=False):
        super().__init__(daemon=True)
        self.broker, self.topic, self.mqtt5 = broker, topic, mqtt5
        self.arrivals, self.latencies_ms, self.sizes = [], [], []
        self.last_arrival = None  # while measuring or not
        self.measuring = threading.Event()
        self.done = threading.Event()

    def note(self, latency_ms=None, size=None):
        self.last_arrival = time.monotonic()
        if self.measuring.is_set():
            self.arrivals.append(self.last_arrival)
            if latency_ms is not None:
                self.latencies_ms.append(latency_ms)
            if size is not None:
                self.sizes.append(size)

    def on_mqtt(self, message):
        latency_ms = None
        properties = getattr(message, "properties", None)
        for name, value in getattr(properties, "UserProperty", None) or []:
            if name == "capture_time":
                latency_ms = (time.time() * 1e6 - int(value)) / 1000
        self.note(latency_ms, len(message.payload))

    def run(self):
        if self.broker.kind == "mqtt":
            import paho.mqtt.client as mqtt
            if self.mqtt5:
                client = mqtt.Client(protocol=mqtt.MQTTv5)
                client.on_connect = lambda c, u, f, rc, p=None: c.subscribe(self.topic)
            else:
                client = mqtt.Client()
                client.on_connect = lambda c, u, f, rc: c.subscribe(self.topic)
            client.on_message = lambda c, u, m: self.on_mqtt(m)
            client.connect("127.0.0.1", self.broker.port)
            while not self.done.is_set():
                if client.loop(timeout=0.1) != mqtt.MQTT_ERR_SUCCESS:
                    # The broker went away (the outage run): back as soon as it is.
                    time.sleep(0.05)
                    try:
                        client.reconnect()
                    except OSError:
                        pass
            client.disconnect()
        elif self.broker.kind == "kafka":
            from confluent_kafka import Consumer, TopicPartition, OFFSET_END
            consumer = Consumer({"bootstrap.servers": self.broker.bootstraps, "group.id": "pistream-bench",
                                 "enable.auto.commit": False, "log_level": 3,
                                 # As pistream's own Kafka subscriber: the broker answers a fetch
                                 # within 10 ms rather than the default 500 (live video).
                                 "fetch.wait.max.ms": 10})
            consumer.assign([TopicPartition(self.topic, 0, OFFSET_END)])
            while not self.done.is_set():
                message = consumer.poll(0.1)
                if message is None or message.error():
                    continue
                headers = dict(message.headers() or [])
                capture = headers.get("capture_time")
                latency_ms = (time.time() * 1e6 - int(capture)) / 1000 if capture else None
                self.note(latency_ms, len(message.value()))
            consumer.close()
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
    broker = Broker(kind if kind in ("redis", "kafka") else "mqtt", workdir, build)
    subscriber = Subscriber(broker, "bench", mqtt5=kind == "mqtt5")
    subscriber.start()
    url = broker.url("bench") + ("?protocol=5" if kind == "mqtt5" else "")
    server = bench.Server(build, ["--listen", "127.0.0.1:0", "--source", f"y4m:{clip}", "--fps", "30",
                                  "--publish", url])
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


# The publisher's bound: BrokerPublisherConfig::queueFrames frames queued plus
# MqttClient's kMaxInflight handed to libmosquitto.
QUEUED_FRAMES = 4 + 4


def outage_run(build, clip, outage, workdir):
    """MQTT 3.1.1 publishing while mosquitto is stopped for `outage` seconds."""
    broker = Broker("mqtt", workdir)
    subscriber = Subscriber(broker, "bench")
    subscriber.start()
    server = bench.Server(build, ["--listen", "127.0.0.1:0", "--source", f"y4m:{clip}", "--fps", "30",
                                  "--publish", broker.url("bench")])
    time.sleep(3)  # connected, warm, the frame pool and buffers at their size
    subscriber.measuring.set()
    time.sleep(1)
    subscriber.measuring.clear()
    frame_bytes = statistics.mean(subscriber.sizes) if subscriber.sizes else 0
    rss_before = bench.status_kb(server.process.pid, "VmRSS")
    broker.stop()
    rss_peak = rss_before
    deadline = time.monotonic() + outage
    while time.monotonic() < deadline:
        time.sleep(0.5)
        rss_peak = max(rss_peak, bench.status_kb(server.process.pid, "VmRSS"))
    rss_end = bench.status_kb(server.process.pid, "VmRSS")
    back = time.monotonic()
    broker.start()
    resumed = None
    while time.monotonic() < back + 30:
        if subscriber.last_arrival and subscriber.last_arrival > back:
            resumed = subscriber.last_arrival - back
            break
        time.sleep(0.01)
    server.stop()
    subscriber.done.set()
    subscriber.join(timeout=5)
    broker.stop()
    bound_kb = QUEUED_FRAMES * frame_bytes / 1024
    return {"outage_s": outage, "rss_before_kb": rss_before, "rss_peak_kb": rss_peak,
            "rss_end_kb": rss_end, "rss_growth_kb": rss_peak - rss_before,
            "frame_bytes": round(frame_bytes), "queue_bound_kb": round(bound_kb),
            "growth_over_bound": (rss_peak - rss_before) / bound_kb if bound_kb else None,
            "first_frame_after_return_s": resumed}


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
    parser.add_argument("--brokers", default="mqtt,mqtt5,redis,kafka")
    parser.add_argument("--outage", type=int, default=60, help="seconds with mosquitto stopped; 0: skip")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    workdir = os.path.join(tempfile.gettempdir(), "pistream-bench")
    os.makedirs(workdir, exist_ok=True)
    clip = bench.make_clip(workdir, width, height, 90)
    result = {"size": args.size, "fps": 30, "seconds": args.seconds, "cpus": os.cpu_count(),
              "load_before": os.getloadavg()[0]}
    for kind in args.brokers.split(","):
        if kind == "kafka":
            if not os.path.exists(f"{args.build}/bench/pistream-bench-kafka-mock"):
                continue
        elif shutil.which("redis-server" if kind == "redis" else "mosquitto") is None:
            continue
        plain = plain_run(args.build, clip, args.seconds)
        published = publisher_run(args.build, kind, clip, args.seconds, workdir)
        ratio = (published["server_cpu_ms_per_frame"] / plain["server_cpu_ms_per_frame"]
                 if published["server_cpu_ms_per_frame"] and plain["server_cpu_ms_per_frame"] else None)
        result[kind] = {"subscriber": published, "plain_tcp": plain, "cpu_per_frame_ratio": ratio}
        if kind == "kafka":
            result[kind]["note"] = ("librdkafka's mock cluster (no disk, no replication, in a process "
                                    "of its own on loopback): mock figures, not a Kafka broker's")
    if args.outage > 0 and shutil.which("mosquitto"):
        result["mqtt_outage"] = outage_run(args.build, clip, args.outage, workdir)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
