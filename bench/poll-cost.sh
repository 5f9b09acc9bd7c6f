#!/usr/bin/env bash
# The cost of one Wait against C's, at every size (issue: "a Wait that costs what C's poll() costs"):
# ../shared/bench's polldispatch.c run twice, as it is (one thread) and with one more thread asleep
# (bench/threaded/extra-thread.c, by LD_PRELOAD), and EporeX's managed twin, alternating, on one CPU.
#
#   bench/poll-cost.sh [RUNS [MS_PER_CASE]]        (default 2 runs, 300 ms per case)
#
# Why the threaded row: Linux skips the reference count on each descriptor that poll() looks up only
# while the process has one thread (fdget's single-threaded shortcut); every .NET process has several,
# so that row is the C cost a .NET library can be held to.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runs="${1:-2}" ms="${2:-300}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O2 -o "$out/polldispatch" "$here/../../shared/bench/src/polldispatch.c"
cc -O2 -shared -fPIC -o "$out/extra-thread.so" "$here/threaded/extra-thread.c" -lpthread
dotnet build -c Release "$here/EporeX.Benchmarks" >/dev/null
dll="$here/EporeX.Benchmarks/bin/Release/net10.0/EporeX.Benchmarks.dll"
for ((i = 1; i <= runs; i++)); do
    echo "== run $i: C, one thread"
    taskset -c 1 "$out/polldispatch" 10,1000,10000 1,64 "$ms"
    echo "== run $i: C, one more thread asleep"
    LD_PRELOAD="$out/extra-thread.so" taskset -c 1 "$out/polldispatch" 10,1000,10000 1,64 "$ms"
    echo "== run $i: EporeX"
    taskset -c 1 dotnet "$dll" polldispatch 10,1000,10000 1,64 "$ms"
done
