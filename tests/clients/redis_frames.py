#!/usr/bin/env python3
"""Subscribes to a Redis channel with redis-py and checks COUNT messages in
the MXCuBE video-streamer's format: JSON {"data": base64 JPEG, "size":
[height, width], "time": "HH:MM:SS.ffffff", "frame_number": n}. The JPEG's
own size (its SOF header, and Pillow where installed) must match "size";
frame numbers must rise. Prints one JSON summary line; exit 0 when COUNT
good messages came.

usage: redis_frames.py PORT CHANNEL COUNT TIMEOUT_S
"""
import base64
import io
import json
import re
import sys
import time

import redis

try:
    from PIL import Image
except ImportError:
    Image = None


def sof_size(jpeg):
    """(height, width) from the first SOF marker, or None."""
    i = 2
    while i + 9 < len(jpeg):
        if jpeg[i] != 0xFF:
            return None
        marker = jpeg[i + 1]
        length = int.from_bytes(jpeg[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return [int.from_bytes(jpeg[i + 5:i + 7], "big"), int.from_bytes(jpeg[i + 7:i + 9], "big")]
        i += 2 + length
    return None


port, channel, count, timeout = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
summary = {"frames": 0, "bad": [], "sizes": [], "rising": True, "pil": Image is not None}
pubsub = redis.Redis(host="127.0.0.1", port=port).pubsub(ignore_subscribe_messages=True)
pubsub.subscribe(channel)
deadline = time.monotonic() + timeout
last = -1
while summary["frames"] < count and time.monotonic() < deadline:
    message = pubsub.get_message(timeout=0.5)
    if message is None:
        continue
    try:
        frame = json.loads(message["data"])
        assert set(frame) == {"data", "size", "time", "frame_number"}, sorted(frame)
        assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{6}", frame["time"]), frame["time"]
        jpeg = base64.b64decode(frame["data"], validate=True)
        assert jpeg.startswith(b"\xff\xd8") and jpeg.endswith(b"\xff\xd9"), "not a whole JPEG"
        assert sof_size(jpeg) == frame["size"], (sof_size(jpeg), frame["size"])
        if Image is not None:
            picture = Image.open(io.BytesIO(jpeg))
            picture.load()
            assert [picture.height, picture.width] == frame["size"]
    except Exception as error:  # counted, and shown in the summary
        summary["bad"].append(repr(error)[:200])
        continue
    if frame["frame_number"] <= last:
        summary["rising"] = False
    last = frame["frame_number"]
    if frame["size"] not in summary["sizes"]:
        summary["sizes"].append(frame["size"])
    summary["frames"] += 1
print(json.dumps(summary))
sys.exit(0 if summary["frames"] >= count else 1)
