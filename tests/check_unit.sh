#!/usr/bin/env bash
# Checks systemd/pistream-server.service as it would be installed: `systemd-analyze
# verify` is clean and `systemd-analyze security --offline=true` rates it 2.0 or
# lower. ExecStart is pointed at the built binary (verify checks it exists).
#   tests/check_unit.sh UNIT SERVER_BINARY
set -euo pipefail
unit=$1 binary=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s#^ExecStart=/usr/bin/pistream-server#ExecStart=$binary#" "$unit" > "$work/pistream-server.service"
systemd-analyze verify "$work/pistream-server.service"
report=$(systemd-analyze security --offline=true "$work/pistream-server.service")
score=$(grep -o 'Overall exposure level for pistream-server.service: [0-9.]*' <<<"$report" | awk '{print $NF}')
echo "exposure $score (must be <= 2.0)"
awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }'
