#!/usr/bin/env bash
# Hardware acceptance on a real Raspberry Pi with a camera, run after building.
# It lists the cameras, then streams 10 s from the first one at 1280x720 and
# at 640x480 to a headless pistream-viewer over loopback, and prints for each
# size the frame rate, the jitter of the frames' capture timestamps, the
# latency (capture to decoded) and the server's CPU, each with PASS or FAIL.
# Then, for each USB webcam (on a Pi or a laptop), the same at 640x480 in
# each format it offers (MJPEG passed through, YUYV converted), plus a
# snapshot that must be a complete JPEG (Huffman tables present); with
# PI_CHECK_REPLUG=1 it also asks you to unplug each webcam and plug it back
# in, and checks that the stream comes back by itself.
#
#   bash scripts/pi-check.sh
#
# Exit status: 0 every check passed; 1 a check failed, or there is no camera,
# or the programs could not be found or started.
#
# Needs pistream-server and pistream-viewer (build/ of this checkout, else on
# PATH), curl and python3. Stop pistream-server.service first if it runs: a
# camera serves one program at a time.
#
# How each figure is measured:
#   fps      the viewer's --stats json summary (frames received over the run)
#   jitter   standard deviation of the intervals between consecutive capture
#            timestamps, read from /stream.mjpg (X-Timestamp-Us) on the HTTP
#            port; intervals over 1.5 times the median are counted as gaps and
#            left out of the deviation
#   latency  the viewer's p50/p95/max, capture timestamp to decoded picture
#   CPU      utime + stime of the server in /proc/PID/stat over the run, in
#            percent of one core and in ms per frame the camera delivered
#
# Environment (the thresholds are generous: this is a check that the camera
# path works, not a benchmark):
#   PI_CHECK_SECONDS          seconds per size (10)
#   PI_CHECK_FPS              frame rate asked for (30)
#   PI_CHECK_MIN_FPS_RATIO    least received fps over the rate the camera runs at (0.9)
#   PI_CHECK_MAX_JITTER_MS    largest jitter (2)
#   PI_CHECK_MAX_LATENCY_MS   largest latency p95 (100)
#   PI_CHECK_MAX_CPU_PERCENT  largest server CPU, percent of one core (100)
#   PI_CHECK_PORT             stream port on 127.0.0.1 (18485); HTTP uses the next
#   PI_CHECK_REPLUG           1: also the unplug-and-replug check (needs you there)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${PI_CHECK_SECONDS:-10}"
fps="${PI_CHECK_FPS:-30}"
port="${PI_CHECK_PORT:-18485}"
http_port=$((port + 1))

fail() {
    echo "pi-check: $*" >&2
    exit 1
}

# $1: program name, $2: its folder in build/.
find_program() {
    if [[ -x "$root/build/$2/$1" ]]; then
        echo "$root/build/$2/$1"
    elif command -v "$1" >/dev/null; then
        command -v "$1"
    fi
}

server=$(find_program pistream-server pi-server)
viewer=$(find_program pistream-viewer desktop-client)
[[ -n "$server" ]] || fail "pistream-server not found in build/pi-server or on PATH: build first (bash scripts/build.sh)"
[[ -n "$viewer" ]] || fail "pistream-viewer not found in build/desktop-client or on PATH: build it too (a server-only build has none)"
command -v curl >/dev/null || fail "curl is needed (sudo apt install curl)"
command -v python3 >/dev/null || fail "python3 is needed (sudo apt install python3)"

work=$(mktemp -d -t pistream-pi-check.XXXXXX)
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "pi-check: $server"
echo "pi-check: $viewer"
echo
if ! "$server" --list-cameras >"$work/cameras.txt" 2>&1; then
    cat "$work/cameras.txt"
    fail "FAIL: no camera (see above): this check needs a Raspberry Pi with a camera"
fi
cat "$work/cameras.txt"
echo

# CPU ticks (utime + stime) the process has used so far.
cpu_ticks() {
    local stat fields
    stat=$(<"/proc/$1/stat")
    read -r -a fields <<<"${stat##*) }" # after "PID (comm) ": fields 3 onwards
    echo $((fields[11] + fields[12]))
}

failed=0

# Streams from camera $2 (0) in format $3 (auto) at size $1 and prints the
# figures with PASS or FAIL.
check_size() {
    local size=$1 camera=${2:-0} format=${3:-auto} log="$work/server-$1.log"
    "$server" --source "camera:$camera" --camera-format "$format" --size "$size" --fps "$fps" --insecure \
        --listen "127.0.0.1:$port" --http "127.0.0.1:$http_port" --stats-interval 0 2>"$log" &
    server_pid=$!
    local ready=0
    for _ in $(seq 100); do
        if curl -fsS -o /dev/null "http://127.0.0.1:$http_port/health" 2>/dev/null; then
            ready=1
            break
        fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ $ready -eq 0 ]]; then
        cat "$log" >&2
        fail "FAIL: pistream-server did not start streaming from the camera at $size (its log is above)"
    fi

    local ticks_before ticks_after start_ns end_ns
    curl -fsS -o "$work/status-before.json" "http://127.0.0.1:$http_port/api/status"
    ticks_before=$(cpu_ticks "$server_pid")
    start_ns=$(date +%s%N)
    # Capture timestamps from the MJPEG stream, alongside the viewer.
    { curl -sN --max-time "$seconds" "http://127.0.0.1:$http_port/stream.mjpg" || true; } |
        { grep -a -o 'X-Timestamp-Us: [0-9]*' || true; } >"$work/timestamps.txt" &
    local curl_pid=$!
    "$viewer" --headless --insecure --stats json --duration "$seconds" "127.0.0.1:$port" \
        >"$work/viewer.json" 2>"$work/viewer.log" || true
    ticks_after=$(cpu_ticks "$server_pid")
    end_ns=$(date +%s%N)
    curl -fsS -o "$work/status-after.json" "http://127.0.0.1:$http_port/api/status"
    wait "$curl_pid" || true
    kill -TERM "$server_pid"
    wait "$server_pid" || true
    server_pid=""

    if ! python3 - "$size $format" "$work" "$((ticks_after - ticks_before))" "$(getconf CLK_TCK)" \
        "$((end_ns - start_ns))" <<'EOF'; then
import json, os, statistics, sys

size, work, ticks, hz, elapsed_ns = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
env = os.environ
min_ratio = float(env.get("PI_CHECK_MIN_FPS_RATIO", "0.9"))
max_jitter = float(env.get("PI_CHECK_MAX_JITTER_MS", "2"))
max_latency = float(env.get("PI_CHECK_MAX_LATENCY_MS", "100"))
max_cpu = float(env.get("PI_CHECK_MAX_CPU_PERCENT", "100"))

def load(name):
    try:
        with open(os.path.join(work, name)) as file:
            return json.load(file)
    except (OSError, ValueError):
        return None

viewer = load("viewer.json")
before, after = load("status-before.json"), load("status-after.json")
failed = False

def report(what, ok, limit):
    global failed
    failed |= not ok
    print(f"{size:>9}  {what:<68} {'PASS' if ok else 'FAIL'} ({limit})")

if viewer is None or viewer.get("frames", 0) == 0:
    with open(os.path.join(work, "viewer.log")) as file:
        sys.stderr.write(file.read())
    report("no frames reached the viewer", False, "its log is above")
    sys.exit(1)

camera_fps = after["fps"]["configured"]  # what the camera runs at (it may clamp)
received = viewer["fps"]
report(f"fps {received:.1f} (camera runs at {camera_fps:.3g}, asked {env.get('PI_CHECK_FPS', '30')})",
       received >= min_ratio * camera_fps, f">= {min_ratio * camera_fps:.1f}")
report(f"{viewer['width']}x{viewer['height']}, {viewer['frames']} frames, "
       f"{viewer['sequence_gaps']} sequence gaps, {viewer['decode_errors']} decode errors",
       viewer["decode_errors"] == 0 and viewer["result"] == "ok", "no decode errors")

with open(os.path.join(work, "timestamps.txt")) as file:
    stamps = [int(line.split(":")[1]) for line in file if ":" in line]
intervals = [(b - a) / 1000 for a, b in zip(stamps, stamps[1:])]
if len(intervals) < 10:
    report(f"only {len(stamps)} capture timestamps from /stream.mjpg", False, "need 11")
else:
    median = statistics.median(intervals)
    regular = [i for i in intervals if i <= 1.5 * median]
    jitter = statistics.pstdev(regular)
    report(f"jitter {jitter:.3f} ms (interval median {median:.2f} ms, max {max(intervals):.1f} ms, "
           f"{len(intervals) - len(regular)} gaps in {len(intervals)})",
           jitter <= max_jitter, f"<= {max_jitter:g} ms")

latency = viewer.get("latency_ms")
if latency is None:
    report("no latency measured (the viewer learnt no clock offset)", False, "need samples")
else:
    report(f"latency p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms, max {latency['max']:.1f} ms",
           latency["p95"] <= max_latency, f"p95 <= {max_latency:g} ms")

cpu_seconds = ticks / hz
percent = 100 * cpu_seconds / (elapsed_ns / 1e9)
frames_in = after["frames"]["in"] - before["frames"]["in"]
per_frame = f", {1000 * cpu_seconds / frames_in:.2f} ms per frame" if frames_in > 0 else ""
report(f"server CPU {percent:.0f}% of one core{per_frame}", percent <= max_cpu, f"<= {max_cpu:g}%")
sys.exit(1 if failed else 0)
EOF
        failed=1
    fi
    echo
}

check_size 1280x720
check_size 640x480

# USB webcams: "N: MODEL (ID) USB  --source camera:N", then a line per format.
webcams=$(sed -n 's/^\([0-9]*\): .* USB  --source camera:.*/\1/p' "$work/cameras.txt")
for camera in $webcams; do
    listing=$(awk -v n="$camera" '$0 ~ "^"n": " {on=1; next} /^[0-9]+: / {on=0} on' "$work/cameras.txt")
    for format in mjpeg yuyv; do
        grep -qi "^ *$format:" <<<"$listing" || continue
        echo "webcam $camera, $format:"
        check_size 640x480 "$camera" "$format"
    done
    # Every frame on the wire is a complete JPEG: a DHT before the first SOS.
    "$server" --source "camera:$camera" --size 640x480 --insecure --listen "127.0.0.1:$port" \
        --http "127.0.0.1:$http_port" --stats-interval 0 2>"$work/snapshot.log" &
    server_pid=$!
    snapshot_ok=0
    for _ in $(seq 100); do
        if curl -fsS -o "$work/snapshot.jpg" "http://127.0.0.1:$http_port/snapshot.jpg" 2>/dev/null; then
            snapshot_ok=1
            break
        fi
        sleep 0.1
    done
    result=FAIL
    if [[ $snapshot_ok -eq 1 ]] && python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
sos = data.find(b"\xff\xda")
sys.exit(0 if data.startswith(b"\xff\xd8") and 0 < data.find(b"\xff\xc4") < sos else 1)
' "$work/snapshot.jpg"; then
        result=PASS
    fi
    echo "webcam $camera  snapshot is a complete JPEG (Huffman tables before the scan)  $result"
    [[ $result == PASS ]] || failed=1
    if [[ "${PI_CHECK_REPLUG:-0}" == 1 && $snapshot_ok -eq 1 ]]; then
        echo "webcam $camera: unplug it now, wait 3 s, and plug it back in (within 60 s)"
        went_down=0
        result=FAIL
        for _ in $(seq 600); do
            state=$(curl -fsS "http://127.0.0.1:$http_port/api/status" 2>/dev/null |
                python3 -c 'import json, sys; print(json.load(sys.stdin)["source"]["state"])' 2>/dev/null || true)
            [[ "$state" == down ]] && went_down=1
            if [[ $went_down -eq 1 && "$state" == live ]]; then
                result=PASS
                break
            fi
            sleep 0.1
        done
        echo "webcam $camera  unplugged and plugged back in: the stream came back by itself  $result"
        [[ $result == PASS ]] || failed=1
    fi
    kill -TERM "$server_pid"
    wait "$server_pid" || true
    server_pid=""
done

if [[ $failed -ne 0 ]]; then
    echo "pi-check: FAIL"
    exit 1
fi
echo "pi-check: PASS"
