#!/usr/bin/env bash
# The main job, from a fresh machine: installs what is missing, builds, starts
# pistream-server (camera if there is one, else the built-in test pattern) and
# watches it in pistream-viewer's window. Without a display the viewer runs
# headless and prints live statistics. Ctrl-C (or closing the window) stops both.
#
#   scripts/run.sh [server flags...]      e.g. scripts/run.sh --size 640x480 --fps 60
#
# The stream is TLS with the pairing key from ~/.local/state/pistream/pairing.key
# (made on the first run); browsers log in with the same key (printed at start).
#
# Environment: PISTREAM_LISTEN (default 127.0.0.1:8485),
#              PISTREAM_HTTP (the browser page, default 127.0.0.1:8080; "off" for none),
#              PISTREAM_RUN_SECONDS (stop after N seconds; default: run until Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh "$( [[ -f build/CMakeCache.txt ]] && grep -q 'BUILD_TESTING:BOOL=ON' build/CMakeCache.txt && echo --test || true )"

listen="${PISTREAM_LISTEN:-127.0.0.1:8485}"
http="${PISTREAM_HTTP:-127.0.0.1:8080}"
seconds="${PISTREAM_RUN_SECONDS:-0}"

# The pairing key (made on the first run): the server requires it, the viewer proves it.
key="${XDG_STATE_HOME:-$HOME/.local/state}/pistream/pairing.key"
log=$(mktemp -t pistream-server.XXXXXX.log)
build/pi-server/pistream-server --listen "$listen" --http "$http" --key-file "$key" "$@" 2> >(tee "$log" >&2) &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 50); do
    grep -q "source: " "$log" && break # logged after the (then complete) "listening on" line
    kill -0 $server 2>/dev/null || { echo "run: pistream-server did not start (see above)" >&2; exit 1; }
    sleep 0.1
done
# Connect where the server really listens (the port may have been 0: any free one).
# The start-up line ends with the address and port; other lines may say "listening on" too.
bound=$(grep -oE 'listening on [^ ]+:[0-9]+$' "$log" | head -1 | cut -d' ' -f3)
port="${bound##*:}"
host="${bound%:*}"
[[ "$host" == "0.0.0.0" || "$host" == "::" ]] && host=127.0.0.1

[[ "$host" == *:* ]] && host="[$host]"
viewer=(build/desktop-client/pistream-viewer --key-file "$key")
if [[ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
    echo "run: no display: headless viewer, live statistics every second" >&2
    viewer+=(--headless)
    [[ "$seconds" != 0 ]] && viewer+=(--duration "$seconds")
    "${viewer[@]}" "$host:$port"
elif [[ "$seconds" != 0 ]]; then
    timeout --preserve-status -s TERM "$seconds" "${viewer[@]}" "$host:$port"
else
    "${viewer[@]}" "$host:$port"
fi
