#!/usr/bin/env bash
# Timer lateness at a 1 ms period on an idle loop, in one run: TimerSource on every backend that runs here,
# System.Threading.PeriodicTimer, and a C timerfd + epoll loop (built here with cc); then child exit -> event
# latency, ProcessExitSource beside Process.WaitForExitAsync.
#   bench/timer-lateness.sh [EXPIRIES [PERIOD_US [CHILDREN]]]        (kqueue too: LD_LIBRARY_PATH=$(../shared/libkqueue/build.sh))
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
expiries="${1:-10000}" period="${2:-1000}" children="${3:-200}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O2 -o "$out/lateness" "$here/timerfd/lateness.c"
dotnet build -c Release "$here/EporeX.Benchmarks" >/dev/null
dll="$here/EporeX.Benchmarks/bin/Release/net10.0/EporeX.Benchmarks.dll"
dotnet "$dll" timerlateness "$expiries" "$period"
"$out/lateness" "$expiries" "$period"
dotnet "$dll" exitlatency "$children"
