#!/usr/bin/env python3
"""Publishes JPEG frames to a broker the way the programs pistream replaces
do, for pistream-server's --source mqtt:// and redis:// to take in:

  mqtt-base64  paho-mqtt, payload = base64 of the JPEG (the Python MQTT
               streamers' camera side)
  mqtt-raw     paho-mqtt, payload = the JPEG itself
  kafka        confluent-kafka, value = the JPEG, key = "camera-1" (a CCTV
               fleet's camera side); PORT is then the bootstrap servers
  redis        redis-py PUBLISH of the MXCuBE video-streamer's JSON,
               {"data": base64 JPEG, "size": [height, width], "time":
               "HH:MM:SS.ffffff", "frame_number": n}, the loop its README
               shows for its Redis output

It cycles through the JPEG files given, at FPS, forever (until killed).
With --bad-every N every Nth message is a bad one instead (not a JPEG, bad
base64, a truncated JPEG, bad JSON, a size that lies), so the receiver must
skip it and go on. A broker that goes away is waited for and published to
again when it is back. Prints "first message published" to stderr, then one
line per 50 messages.

usage: frame_publisher.py MODE PORT TOPIC FPS [--bad-every N] JPEG...
"""
import argparse
import base64
import datetime
import json
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("mode", choices=["mqtt-base64", "mqtt-raw", "redis", "kafka"])
parser.add_argument("port")
parser.add_argument("topic")
parser.add_argument("fps", type=float)
parser.add_argument("--bad-every", type=int, default=0)
parser.add_argument("jpegs", nargs="+")
args = parser.parse_args()

frames = []
for path in args.jpegs:
    with open(path, "rb") as f:
        frames.append(f.read())


def sof_size(jpeg):
    """(width, height) from the first SOF marker."""
    i = 2
    while i + 9 < len(jpeg):
        marker, length = jpeg[i + 1], int.from_bytes(jpeg[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return int.from_bytes(jpeg[i + 7:i + 9], "big"), int.from_bytes(jpeg[i + 5:i + 7], "big")
        i += 2 + length
    raise ValueError("no SOF")


def good_message(number):
    jpeg = frames[number % len(frames)]
    if args.mode in ("mqtt-raw", "kafka"):
        return jpeg
    if args.mode == "mqtt-base64":
        return base64.b64encode(jpeg)
    width, height = sof_size(jpeg)
    return json.dumps({
        "data": base64.b64encode(jpeg).decode(),
        "size": [height, width],
        "time": datetime.datetime.now().strftime("%H:%M:%S.%f"),
        "frame_number": number,
    })


def bad_message(number):
    jpeg = frames[0]
    width, height = sof_size(jpeg)
    bad = [
        b"\x1b[31mnot a frame\x1b[0m\n",
        b"!!!! not base64 !!!!",
        jpeg[:len(jpeg) // 2],
        base64.b64encode(b"GIF89a not a jpeg"),
    ]
    if args.mode == "redis":
        bad = [
            "{not json",
            json.dumps({"size": [height, width]}),
            json.dumps({"data": base64.b64encode(jpeg[:len(jpeg) // 2]).decode(), "size": [height, width]}),
            json.dumps({"data": base64.b64encode(jpeg).decode(), "size": [height * 2, width * 2]}),
        ]
    return bad[number % len(bad)]


if args.mode == "kafka":
    from confluent_kafka import Producer

    client = Producer({"bootstrap.servers": args.port, "linger.ms": 5, "log_level": 3})

    def publish(payload):
        client.produce(args.topic, value=payload, key=b"camera-1")
        client.poll(0)
elif args.mode == "redis":
    import redis

    client = redis.Redis(host="127.0.0.1", port=int(args.port))

    def publish(payload):
        client.publish(args.topic, payload)
else:
    import paho.mqtt.client as mqtt

    client = mqtt.Client()
    client.connect_async("127.0.0.1", int(args.port))
    client.loop_start()  # reconnects by itself when the broker comes back

    def publish(payload):
        if not client.is_connected():
            raise ConnectionError("not connected")
        client.publish(args.topic, payload)

period = 1.0 / args.fps
sent = good = 0
start = time.monotonic()
while True:
    bad = args.bad_every > 0 and sent % args.bad_every == args.bad_every - 1
    try:
        publish(bad_message(sent) if bad else good_message(good))
        sent += 1
        good += 0 if bad else 1
        if sent == 1:
            print("first message published", file=sys.stderr, flush=True)
        if sent % 50 == 0:
            print(f"published {sent} messages, {good} good", file=sys.stderr, flush=True)
    except Exception as error:  # the broker is away: try again next tick
        print(f"publish failed: {error!r}", file=sys.stderr, flush=True)
    start += period
    # Pacing, not synchronisation: a publisher at --fps, as the MXCuBE
    # README's loop and a camera are; the tests wait on what arrives.
    time.sleep(max(0.0, start - time.monotonic()))
