#!/usr/bin/env bash
# User and kernel CPU per echoed message of one or more echo servers, each under ../shared/bench's load
# generator, counted over the measured seconds only (not the start-up or the warm-up).
#
#   bench/cpu-split.sh [--bench DIR] [-r REPS] [-w WARMUP] [-d SECONDS] NAME=COMMAND ...
#
# COMMAND has {port} and {life} placeholders, as run.sh's --extra. Example (from the repository's root,
# after dotnet build -c Release and ../shared/bench/build.sh):
#   D=$PWD/bench/EchoBench/bin/Release/net10.0/EchoBench.dll
#   bench/cpu-split.sh -r 3 "c-epoll=../shared/bench/build/bin/echo_epoll {port} {life}" \
#       "eporex-pipe-inline=dotnet $D --port {port} --seconds {life} --async --pipe --inline"
#
# Why: on a VM, the kernel's share of a message moves with how often a send has to wake the other side's
# CPU, which depends on the timing of both sides (run.sh's repetitions of one server differ by up to 2×).
# The user share is the server's own code and moves far less: it is the figure a change to the library's
# code path shows first. As run.sh: server on CPU 0, load generator on CPU 1, 50 connections of 64 B in
# ping-pong, servers started with setsid and stopped by their process group (their own PID).
set -euo pipefail
REPS=3 WARMUP=4 SECONDS_MEASURED=5 PORT=19800
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$REPO/../shared/bench"
while (($#)); do
    case $1 in
        --bench) BENCH=$2; shift 2 ;;
        -r) REPS=$2; shift 2 ;;
        -w) WARMUP=$2; shift 2 ;;
        -d) SECONDS_MEASURED=$2; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) break ;;
    esac
done
(($#)) || { echo "cpu-split.sh: no server (NAME=COMMAND)" >&2; exit 2; }
LOADGEN="$BENCH/build/bin/loadgen"
[[ -x $LOADGEN ]] || { echo "cpu-split.sh: build the bench first ($BENCH/build.sh)" >&2; exit 2; }
for v in REPS WARMUP SECONDS_MEASURED; do
    [[ ${!v} =~ ^[0-9]+$ && ${!v} -ge 1 ]] || { echo "cpu-split.sh: $v must be a positive number" >&2; exit 2; }
done
TICK=$(getconf CLK_TCK)

SERVER=""
stop() {
    [[ -n $SERVER ]] || return 0
    kill -TERM -- "-$SERVER" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    SERVER=""
}
trap stop EXIT
trap 'stop; exit 130' INT TERM

ticks() { awk '{ print $14, $15 }' "/proc/$1/stat"; } # utime stime, every thread of the process

printf '%-22s %4s %10s %12s %12s %6s\n' server rep msgs/s "user us/msg" "sys us/msg" cpu
for ((rep = 1; rep <= REPS; rep++)); do
    for entry in "$@"; do
        name=${entry%%=*} template=${entry#*=}
        [[ $template == *"{port}"* ]] || { echo "cpu-split.sh: $name: the command has no {port}" >&2; exit 2; }
        PORT=$((PORT + 1))
        cmd=${template//\{port\}/$PORT}
        cmd=${cmd//\{life\}/$((WARMUP + SECONDS_MEASURED + 30))} # outlives the measurement; stopped by its group
        setsid taskset -c 0 bash -c "exec $cmd" >"/tmp/cpu-split-$name.log" 2>&1 </dev/null &
        SERVER=$!
        up=0
        for _ in $(seq 300); do
            if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then up=1; break; fi
            kill -0 "$SERVER" 2>/dev/null || break
            sleep 0.05
        done
        ((up)) || { echo "cpu-split.sh: $name did not listen on $PORT (/tmp/cpu-split-$name.log)" >&2; stop; continue; }
        out=$(mktemp)
        taskset -c 1 "$LOADGEN" 127.0.0.1 "$PORT" 50 64 $((SECONDS_MEASURED + 2)) 1 "$WARMUP" >"$out" &
        client=$!
        sleep "$((WARMUP + 1))"
        read -r u0 s0 < <(ticks "$SERVER"); t0=$(date +%s%N)
        sleep "$SECONDS_MEASURED"
        read -r u1 s1 < <(ticks "$SERVER"); t1=$(date +%s%N)
        wait "$client" || true
        stop
        rate=$(sed -n 's/.*msgs_per_sec=\([0-9]*\).*/\1/p' "$out")
        rm -f "$out"
        [[ -n $rate && $rate -gt 0 ]] || { echo "cpu-split.sh: $name: no result from loadgen" >&2; continue; }
        awk -v n="$name" -v r="$rep" -v rate="$rate" -v du=$((u1 - u0)) -v ds=$((s1 - s0)) -v dt=$((t1 - t0)) -v hz="$TICK" 'BEGIN {
            secs = dt / 1e9
            printf "%-22s %4d %10d %12.2f %12.2f %6.2f\n", n, r, rate, du / hz / secs / rate * 1e6, ds / hz / secs / rate * 1e6, (du + ds) / hz / secs
        }'
    done
done
