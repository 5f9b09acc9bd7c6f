#!/usr/bin/env bash
# What one request costs a Kestrel server besides its CPU time: system calls (by name), context switches,
# and thread-pool work items, per request. Counts, not times, so they hold on a noisy machine.
#
#   bench/kestrel-costs.sh CONFIG [SCENARIO] [SECONDS]      CONFIG: sockets | sockets-inline | eporex | eporex-inline
#                                                           SCENARIO: close (default) | json | plaintext
#
# The server (samples/WebApp, as bench/kestrel.sh runs it: CPU 1, workstation GC) is warmed up with 24 s of
# the scenario, then counted over SECONDS (default 8) of wrk on CPU 0: `perf stat -p` for the system calls
# and switches, then, over the same length again, `dotnet-counters` (installed as a dotnet tool when
# missing) for dotnet.thread_pool.work_item.count and dotnet.gc.heap.total_allocated. Needs perf and root.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIG=${1:?usage: bench/kestrel-costs.sh CONFIG [SCENARIO] [SECONDS]}
SCENARIO=${2:-close}
SECONDS_PER=${3:-8}
COUNTERS_VERSION=10.0.750501

command -v wrk >/dev/null || { echo "kestrel-costs.sh: needs wrk (bench/kestrel.sh installs it)" >&2; exit 2; }
perf stat -e raw_syscalls:sys_enter -- true >/dev/null 2>&1 || { echo "kestrel-costs.sh: needs perf and root" >&2; exit 2; }
COUNTERS=$(command -v dotnet-counters || echo "$HOME/.dotnet/tools/dotnet-counters")
[[ -x $COUNTERS ]] || dotnet tool install -g dotnet-counters --version "$COUNTERS_VERSION" >&2

dotnet build "$REPO/samples/WebApp/WebApp.csproj" -c Release --nologo -v quiet >&2
DLL=$(ls "$REPO"/samples/WebApp/bin/Release/net10.0/*WebApp.dll | head -1)
port=$((19600 + RANDOM % 200))
args=(--port "$port")
env=(DOTNET_gcServer=0)
case $CONFIG in
    sockets) args+=(--transport sockets) ;;
    sockets-inline) args+=(--transport sockets --inline); env+=(DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1) ;;
    eporex) args+=(--transport eporex) ;;
    eporex-inline) args+=(--transport eporex --inline) ;;
    *) echo "kestrel-costs.sh: unknown configuration $CONFIG" >&2; exit 2 ;;
esac
env "${env[@]}" taskset -c 1 dotnet "$DLL" "${args[@]}" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done

url="http://127.0.0.1:$port"
load() { # seconds; prints the requests wrk completed
    local out
    case $SCENARIO in
        close) out=$(taskset -c 0 wrk -t1 -c256 -d"$1"s -H "Connection: close" "$url/plaintext") ;;
        json) out=$(taskset -c 0 wrk -t1 -c256 -d"$1"s "$url/json") ;;
        plaintext) out=$(taskset -c 0 wrk -t1 -c256 -d"$1"s -s "$REPO/bench/kestrel/pipeline.lua" "$url/plaintext" -- 16) ;;
        *) echo "kestrel-costs.sh: unknown scenario $SCENARIO" >&2; exit 2 ;;
    esac
    awk '/ requests in /{print $1}' <<<"$out"
}
for _ in 1 2 3; do load 8 >/dev/null; done

csv=$(mktemp)
events=(-e raw_syscalls:sys_enter -e context-switches -e task-clock)
for call in accept4 epoll_ctl epoll_wait recvfrom sendto sendmsg shutdown close getsockname setsockopt fcntl sched_yield futex; do
    events+=(-e "syscalls:sys_enter_$call")
done
perf stat -x, -o "$csv" "${events[@]}" -p "$pid" -- sleep "$SECONDS_PER" &
stat=$!
requests=$(load "$SECONDS_PER")
wait $stat
echo "$CONFIG $SCENARIO: $requests requests in $SECONDS_PER s"
awk -F, -v r="$requests" '!/^#/ && NF > 2 && $1 ~ /^[0-9.]+$/ {
    name = $3; sub(/^syscalls:sys_enter_/, "", name); sub(/^raw_syscalls:sys_enter$/, "all system calls", name)
    if (name == "task-clock") printf "  %-22s %10.2f us\n", "CPU per request", $1 * 1000 / r
    else printf "  %-22s %10.3f\n", name, $1 / r }' "$csv"

counters=$(mktemp --suffix .csv)
"$COUNTERS" collect -p "$pid" --counters System.Runtime --format csv -o "$counters" --refresh-interval 1 \
    --duration "00:00:00:$((SECONDS_PER + 3))" >/dev/null 2>&1 &
collect=$!
sleep 2
requests=$(load "$SECONDS_PER")
wait $collect
awk -F, -v r="$requests" -v s="$SECONDS_PER" '
    $3 ~ /^dotnet.thread_pool.work_item.count/ && $5 > 0 { items += $5 }
    $3 ~ /^dotnet.gc.heap.total_allocated/ && $5 > 100000 { bytes += $5 }
    END { printf "  %-22s %10.2f\n  %-22s %10.0f B\n", "pool work items", items / r, "allocated", bytes / r }' "$counters"
rm -f "$csv" "$counters"
