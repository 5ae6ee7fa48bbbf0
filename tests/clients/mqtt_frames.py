#!/usr/bin/env python3
"""Subscribes to an MQTT topic the way the Python MQTT streamers' clients do
(paho-mqtt, payload = base64 of a JPEG) and checks COUNT frames: each
decodes from base64 to a whole JPEG (SOI ... EOI), and with Pillow to a
picture. Prints one JSON summary line; exit 0 when COUNT frames came.

usage: mqtt_frames.py PORT TOPIC COUNT TIMEOUT_S
"""
import base64
import binascii
import io
import json
import sys
import threading

import paho.mqtt.client as mqtt

try:
    from PIL import Image
except ImportError:  # checked by the JPEG markers only
    Image = None

port, topic, count, timeout = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
summary = {"frames": 0, "bad": 0, "sizes": [], "pil": Image is not None}
done = threading.Event()


def on_connect(client, userdata, flags, rc):
    client.subscribe(topic)


def on_message(client, userdata, message):
    if done.is_set():
        return
    try:
        jpeg = base64.b64decode(message.payload, validate=True)
    except (binascii.Error, ValueError):
        summary["bad"] += 1
        return
    if not (jpeg.startswith(b"\xff\xd8") and jpeg.endswith(b"\xff\xd9")):
        summary["bad"] += 1
        return
    if Image is not None:
        picture = Image.open(io.BytesIO(jpeg))
        picture.load()
        size = list(picture.size)
        if size not in summary["sizes"]:
            summary["sizes"].append(size)
    summary["frames"] += 1
    if summary["frames"] >= count:
        done.set()


client = mqtt.Client()
client.on_connect = on_connect
client.on_message = on_message
client.connect("127.0.0.1", port)
client.loop_start()
done.wait(timeout)
client.loop_stop()
print(json.dumps(summary))
sys.exit(0 if summary["frames"] >= count else 1)
