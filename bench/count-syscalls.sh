#!/usr/bin/env bash
# Exact system calls per echoed message, counted over a server's whole life (start-up included) with
# `perf stat`, divided by the messages loadgen echoed. Independent of how much CPU the server got, so
# it is steady on a loaded machine (run.sh --syscalls divides by the counters' running time instead).
#
#   bench/count-syscalls.sh [--bench DIR] [--seconds S] NAME=COMMAND ...
#
# COMMAND has {port} and {life} placeholders, as run.sh's --extra. Example:
#   bench/count-syscalls.sh 'c-epoll=../shared/bench/build/bin/echo_epoll {port} {life}' \
#     "eporex=dotnet $PWD/bench/EchoBench/bin/Release/net10.0/EchoBench.dll --port {port} --seconds {life}"
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$REPO/../shared/bench"
SECONDS_MEASURED=3
PORT=19800
SERVERS=()
while (($#)); do
    case $1 in
        --bench) BENCH=$2; shift 2 ;;
        --seconds) SECONDS_MEASURED=$2; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *=*) SERVERS+=("$1"); shift ;;
        *) echo "count-syscalls.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
LOADGEN="$BENCH/build/bin/loadgen"
[[ -x $LOADGEN ]] || { echo "count-syscalls.sh: build the bench first ($BENCH/build.sh)" >&2; exit 2; }
perf stat -e raw_syscalls:sys_enter -- true >/dev/null 2>&1 || { echo "count-syscalls.sh: needs perf and root" >&2; exit 2; }

events=(-e raw_syscalls:sys_enter)
for s in read recvfrom recvmsg write sendto sendmsg epoll_wait epoll_pwait poll epoll_ctl futex; do events+=(-e "syscalls:sys_enter_$s"); done
printf '%-14s %9s %7s %7s %7s %7s %9s %7s\n' server msgs total reads writes waits epoll_ctl futex
for entry in "${SERVERS[@]}"; do
    name=${entry%%=*}
    PORT=$((PORT + 1))
    life=$((SECONDS_MEASURED + 4))
    cmd=${entry#*=}
    cmd=${cmd//\{port\}/$PORT}
    cmd=${cmd//\{life\}/$life}
    csv=$(mktemp)
    # The server exits by itself after its lifetime; perf stat then writes its counts.
    # shellcheck disable=SC2086
    perf stat -x, -o "$csv" "${events[@]}" -- taskset -c 0 $cmd >/dev/null 2>&1 &
    server=$!
    for _ in $(seq 150); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
    out=$(taskset -c 1 "$LOADGEN" 127.0.0.1 "$PORT" 50 64 "$SECONDS_MEASURED" 1 0)
    wait "$server" || true
    msgs=$(sed -n 's/.* msgs=\([0-9]*\).*/\1/p' <<<"$out")
    awk -F, -v m="${msgs:-0}" -v n="$name" '
        $1 ~ /^[0-9]+$/ { e = $3; sub(/^(raw_)?syscalls:sys_enter_?/, "", e); c[e == "" ? "total" : e] = $1 }
        END {
            if (m <= 0) { printf "%-14s no messages\n", n; exit }
            printf "%-14s %9d %7.3f %7.3f %7.3f %7.3f %9.3f %7.4f\n", n, m, c["total"] / m,
                (c["read"] + c["recvfrom"] + c["recvmsg"]) / m, (c["write"] + c["sendto"] + c["sendmsg"]) / m,
                (c["epoll_wait"] + c["epoll_pwait"] + c["poll"]) / m, c["epoll_ctl"] / m, c["futex"] / m
        }' "$csv"
    rm -f "$csv"
done
