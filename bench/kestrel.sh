#!/usr/bin/env bash
# ASP.NET Core on Kestrel (issue 19): samples/WebApp under four transports, driven by wrk.
#
#   bench/kestrel.sh [-r REPS] [-d SECONDS] [-c CONNECTIONS]    (ONLY="eporex sockets", SCENARIOS="close" narrow it)
#
# Configurations:
#   sockets         Kestrel's default Sockets transport
#   sockets-inline  Sockets with UnsafePreferInlineScheduling and DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1
#   eporex          UseEporeX(): application code on the thread pool
#   eporex-inline   UseEporeX(o => o.InlineScheduling = true): application code on the loop thread
# Scenarios:
#   plaintext  GET /plaintext, 16 requests pipelined per write (bench/kestrel/pipeline.lua)
#   json       GET /json, one request at a time per connection
#   close      GET /plaintext with "Connection: close": a new connection per request
# The server runs on CPU 1 (so ProcessorCount is 1: one I/O queue for Sockets, one loop for EporeX), wrk
# on CPU 0. The configurations alternate within each repetition (a fresh server each time, warmed up with
# 48 s of wrk, until the JIT has settled); each line is the median over the repetitions, and errors are summed over them:
#   ROW <config> <scenario> req_s=<median> cpu_us_per_req=<median server CPU µs per request> p99_ms=<median p99> errors=<non-2xx + socket errors>
# Server CPU is utime + stime from /proc/PID/stat over the measured seconds. The p99 is computed from
# wrk's latency histogram by bench/kestrel/latency.lua, not taken from wrk's own table, which prints 0
# when its correction for coordinated omission outnumbers 1 % (that script says why).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPS=5
SECONDS_PER=5
CONNECTIONS=256
while (($#)); do
    case $1 in
        -r) REPS=$2; shift 2 ;;
        -d) SECONDS_PER=$2; shift 2 ;;
        -c) CONNECTIONS=$2; shift 2 ;;
        *) echo "usage: bench/kestrel.sh [-r REPS] [-d SECONDS] [-c CONNECTIONS]" >&2; exit 2 ;;
    esac
done

if ! command -v wrk >/dev/null; then
    SUDO=; (($(id -u))) && SUDO=sudo
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q wrk >&2 ||
        { $SUDO apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q wrk >&2; }
fi
dotnet build "$REPO/samples/WebApp/WebApp.csproj" -c Release --nologo -v quiet >&2
DLL=$(ls "$REPO"/samples/WebApp/bin/Release/net10.0/*WebApp.dll | head -1)
LUA="$REPO/bench/kestrel/pipeline.lua"
LATENCY_LUA="$REPO/bench/kestrel/latency.lua"

CONFIGS=(${ONLY:-sockets sockets-inline eporex eporex-inline})
SCENARIOS=(${SCENARIOS:-plaintext json close})
TICK=$(getconf CLK_TCK)
declare -A RPS CPU P99 ERR
port=19500
pid=
trap '[[ -n $pid ]] && kill $pid 2>/dev/null || true' EXIT

# One wrk run against the server: prints "requests req_s p99_ms errors".
load() { # scenario port seconds
    local url="http://127.0.0.1:$2" out
    case $1 in
        plaintext) out=$(taskset -c 0 wrk -t1 -c"$CONNECTIONS" -d"$3"s -s "$LUA" "$url/plaintext" -- 16) ;;
        json) out=$(taskset -c 0 wrk -t1 -c"$CONNECTIONS" -d"$3"s -s "$LATENCY_LUA" "$url/json") ;;
        close) out=$(taskset -c 0 wrk -t1 -c"$CONNECTIONS" -d"$3"s -s "$LATENCY_LUA" -H "Connection: close" "$url/plaintext") ;;
    esac
    awk '
        / requests in / { requests = $1 }
        /^Requests\/sec:/ { rate = $2 }
        /^p99_us / { p99 = $2 / 1000 }
        /Non-2xx or 3xx responses:/ { errors += $NF }
        /Socket errors:/ { gsub(/,/, ""); errors += $4 + $6 + $8 + $10 }
        END { printf "%d %.0f %.3f %d\n", requests, rate, p99, errors }' <<<"$out"
}

for ((rep = 1; rep <= REPS; rep++)); do
    for config in "${CONFIGS[@]}"; do
        port=$((port + 1))
        args=(--port "$port")
        env=()
        case $config in
            sockets) args+=(--transport sockets) ;;
            sockets-inline) args+=(--transport sockets --inline); env=(DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1) ;;
            eporex) args+=(--transport eporex) ;;
            eporex-inline) args+=(--transport eporex --inline) ;;
            *) echo "kestrel.sh: unknown configuration $config" >&2; exit 2 ;;
        esac
        env "${env[@]}" DOTNET_gcServer=0 taskset -c 1 dotnet "$DLL" "${args[@]}" >/dev/null 2>&1 &
        pid=$!
        for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
        # Warm-up, 3 rounds of the three scenarios (48 s): on one saturated CPU the JIT's tiering (tier 0,
        # PGO instrumentation, tier 1) competes with the load and takes 30-40 s to settle, so a shorter
        # warm-up measures the JIT, not the transport. bench/kestrel-warmup.sh shows the plateau.
        for _ in 1 2 3; do
            load plaintext "$port" 6 >/dev/null
            load json "$port" 6 >/dev/null
            load close "$port" 4 >/dev/null
        done
        for scenario in "${SCENARIOS[@]}"; do
            before=$(awk '{print $14 + $15}' /proc/$pid/stat)
            read -r requests rate p99 errors < <(load "$scenario" "$port" "$SECONDS_PER")
            after=$(awk '{print $14 + $15}' /proc/$pid/stat)
            cpu_us=$(awk -v t=$((after - before)) -v k="$TICK" -v n="$requests" 'BEGIN { printf "%.2f", (n > 0 ? t / k * 1e6 / n : 0) }')
            echo "rep $rep/$REPS  $config  $scenario  req_s=$rate  cpu_us_per_req=$cpu_us  p99_ms=$p99  errors=$errors" >&2
            RPS[$config.$scenario]+="$rate "; CPU[$config.$scenario]+="$cpu_us "
            # A run with no latency sample has no p99; the median is over the runs that have one.
            awk -v p="$p99" 'BEGIN { exit !(p > 0) }' && P99[$config.$scenario]+="$p99 "
            ERR[$config.$scenario]=$((${ERR[$config.$scenario]:-0} + errors))
        done
        kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
        pid=
    done
done

median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print NR == 0 ? "nan" : (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
for scenario in "${SCENARIOS[@]}"; do
    for config in "${CONFIGS[@]}"; do
        key=$config.$scenario
        p99=$(median <<<"${P99[$key]:-}")
        [[ $p99 == nan ]] || p99=$(printf '%.2f' "$p99")
        printf 'ROW %s %s req_s=%.0f cpu_us_per_req=%.2f p99_ms=%s errors=%d\n' "$config" "$scenario" \
            "$(median <<<"${RPS[$key]}")" "$(median <<<"${CPU[$key]}")" "$p99" "${ERR[$key]}"
    done
done
