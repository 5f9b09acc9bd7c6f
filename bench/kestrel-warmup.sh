#!/usr/bin/env bash
# How long samples/WebApp takes to reach steady state under load: one fresh server per configuration,
# then successive wrk windows of json, each printed as server CPU µs per request. On one saturated CPU the
# JIT's tiering competes with the load; bench/kestrel.sh's warm-up is chosen from what this prints.
#
#   bench/kestrel-warmup.sh [-w WINDOWS] [-d SECONDS]     (ONLY="eporex sockets" as in kestrel.sh)
#
# Prints one line per configuration:  WARMUP <config> <µs per request in window 1> <window 2> ...
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WINDOWS=12
SECONDS_PER=5
while (($#)); do
    case $1 in
        -w) WINDOWS=$2; shift 2 ;;
        -d) SECONDS_PER=$2; shift 2 ;;
        *) echo "usage: bench/kestrel-warmup.sh [-w WINDOWS] [-d SECONDS]" >&2; exit 2 ;;
    esac
done
command -v wrk >/dev/null || { echo "kestrel-warmup.sh: wrk is missing (bench/kestrel.sh installs it)" >&2; exit 2; }
dotnet build "$REPO/samples/WebApp/WebApp.csproj" -c Release --nologo -v quiet >&2
DLL=$(ls "$REPO"/samples/WebApp/bin/Release/net10.0/*WebApp.dll | head -1)
TICK=$(getconf CLK_TCK)
port=19700
pid=
trap '[[ -n $pid ]] && kill $pid 2>/dev/null || true' EXIT

for config in ${ONLY:-eporex sockets}; do
    port=$((port + 1))
    case $config in
        sockets) args=(--transport sockets) ;;
        eporex) args=(--transport eporex) ;;
        eporex-inline) args=(--transport eporex --inline) ;;
        *) echo "kestrel-warmup.sh: unknown configuration $config" >&2; exit 2 ;;
    esac
    DOTNET_gcServer=0 taskset -c 1 dotnet "$DLL" --port "$port" "${args[@]}" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
    line="WARMUP $config"
    for ((w = 1; w <= WINDOWS; w++)); do
        before=$(awk '{print $14 + $15}' /proc/$pid/stat)
        requests=$(taskset -c 0 wrk -t1 -c256 -d"$SECONDS_PER"s "http://127.0.0.1:$port/json" | awk '/ requests in / { print $1 }')
        after=$(awk '{print $14 + $15}' /proc/$pid/stat)
        line+=" $(awk -v t=$((after - before)) -v k="$TICK" -v n="$requests" 'BEGIN { printf "%.1f", (n > 0 ? t / k * 1e6 / n : 0) }')"
    done
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
    pid=
    echo "$line"
done
