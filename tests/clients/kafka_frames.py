#!/usr/bin/env python3
"""Consumes a Kafka topic with confluent-kafka (librdkafka's Python binding,
as a CCTV consumer service would) from its beginning and checks COUNT
messages as pistream-server's --publish kafka:// produces them: value = a
whole JPEG (SOI ... EOI, its SOF size; decoded with Pillow where installed),
key = the camera's name, headers sequence, capture_time, width and height
as decimal text matching the JPEG, sequence rising. Prints one JSON summary
line; exit 0 when COUNT good messages came.

usage: kafka_frames.py BOOTSTRAPS TOPIC COUNT TIMEOUT_S
"""
import io
import json
import sys
import time

from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING

try:
    from PIL import Image
except ImportError:
    Image = None


def sof_size(jpeg):
    """[width, height] from the first SOF marker, or None."""
    i = 2
    while i + 9 < len(jpeg):
        if jpeg[i] != 0xFF:
            return None
        marker, length = jpeg[i + 1], int.from_bytes(jpeg[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return [int.from_bytes(jpeg[i + 7:i + 9], "big"), int.from_bytes(jpeg[i + 5:i + 7], "big")]
        i += 2 + length
    return None


bootstraps, topic, count, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
summary = {"frames": 0, "bad": [], "sizes": [], "keys": [], "rising": True, "pil": Image is not None}
consumer = Consumer({"bootstrap.servers": bootstraps, "group.id": "pistream-test",
                     "enable.auto.commit": False, "log_level": 3})
consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
deadline = time.monotonic() + timeout
last = -1
while summary["frames"] < count and time.monotonic() < deadline:
    message = consumer.poll(0.5)
    if message is None or message.error():
        continue
    try:
        jpeg = message.value()
        headers = {name: value.decode() for name, value in (message.headers() or [])}
        assert set(headers) == {"sequence", "capture_time", "width", "height"}, sorted(headers)
        assert jpeg.startswith(b"\xff\xd8") and jpeg.endswith(b"\xff\xd9"), "not a whole JPEG"
        size = [int(headers["width"]), int(headers["height"])]
        assert sof_size(jpeg) == size, (sof_size(jpeg), size)
        assert abs(int(headers["capture_time"]) / 1e6 - time.time()) < 600, headers["capture_time"]
        if Image is not None:
            picture = Image.open(io.BytesIO(jpeg))
            picture.load()
            assert [picture.width, picture.height] == size
        sequence = int(headers["sequence"])
    except Exception as error:
        summary["bad"].append(repr(error)[:200])
        continue
    if sequence <= last:
        summary["rising"] = False
    last = sequence
    key = (message.key() or b"").decode()
    if key not in summary["keys"]:
        summary["keys"].append(key)
    if size not in summary["sizes"]:
        summary["sizes"].append(size)
    summary["frames"] += 1
consumer.close()
print(json.dumps(summary))
sys.exit(0 if summary["frames"] >= count else 1)
