#!/usr/bin/env bash
# The peer table: builds bench/EchoBench (Release) and runs ../shared/bench/run.sh with the EporeX
# echo server added once per backend, beside c-epoll, c-poll, rust-mio, libuv, libevent and .NET.
#
#   bench/run-peers.sh [--backends epoll,poll] [--bench DIR] [--syscalls] [--no-async] [--aot] [run.sh options...]
#
#   --backends a,b   EporeX backends to add (default: epoll,poll); epoll is named "eporex",
#                    any other backend "eporex-NAME". A backend that cannot run here is skipped
#                    (the server exits at once and run.sh reports it FAILED).
#   --bench DIR      where run.sh lives (default: ../shared/bench next to the repository); when
#                    DIR is not writable it is copied to /tmp/eporex-bench first.
#   --syscalls       also count system calls per message (run.sh --syscalls; needs perf).
#   --no-async       leave out the four async rows: eporex-async (EchoBench --async: one EventLoop,
#                    an async handler per connection on AsyncFd, continuations on the thread pool),
#                    eporex-async-inline (the same with --inline: continuations on the loop thread),
#                    and eporex-pipe, eporex-pipe-inline (--pipe: each connection a DescriptorPipe,
#                    the handler a System.IO.Pipelines echo loop).
#   --aot            also publish bench/EchoBench with NativeAOT (epoll) and add it as "eporex-aot",
#                    to compare with the JIT build ("eporex") in the same run.
#   anything else    passed to run.sh as is (e.g. -r 9, -d 5, --servers c-epoll,c-poll).
#
# After run.sh's table comes bench/paired-ratios.sh's: the same CPU ratios paired within each repetition.
#
# Examples:
#   bench/run-peers.sh -r 9                      # the tables of docs/articles/performance.md
#   bench/run-peers.sh -r 3 --syscalls           # system calls per message
#   bench/run-peers.sh --backends epoll --servers c-epoll,c-epoll-drain,rust-mio -r 5
#   bench/run-peers.sh --aot -r 9                # the table with the NativeAOT row
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$REPO/../shared/bench"
BACKENDS="epoll,poll"
ASYNC_ROWS=1
AOT=0
PASS=()
while (($#)); do
    case $1 in
        --backends) BACKENDS=$2; shift 2 ;;
        --bench) BENCH=$2; shift 2 ;;
        --no-async) ASYNC_ROWS=0; shift ;;
        --aot) AOT=1; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) PASS+=("$1"); shift ;;
    esac
done
[[ -x $BENCH/run.sh ]] || { echo "run-peers.sh: no run.sh in $BENCH (use --bench DIR)" >&2; exit 2; }
BENCH="$(cd "$BENCH" && pwd)"
if ! { mkdir -p "$BENCH/build" 2>/dev/null && [[ -w $BENCH/build ]]; }; then
    echo "run-peers.sh: $BENCH/build is not writable; copying the bench to /tmp/eporex-bench" >&2
    rm -rf /tmp/eporex-bench
    cp -r "$BENCH" /tmp/eporex-bench
    chmod -R u+w /tmp/eporex-bench
    BENCH=/tmp/eporex-bench
fi

echo "run-peers.sh: building bench/EchoBench (Release)" >&2
dotnet build "$REPO/bench/EchoBench/EchoBench.csproj" -c Release --nologo -v quiet >&2
DLL="$REPO/bench/EchoBench/bin/Release/net10.0/EchoBench.dll"
[[ -f $DLL ]] || { echo "run-peers.sh: $DLL was not built" >&2; exit 1; }

EXTRA=()
IFS=, read -r -a list <<<"$BACKENDS"
for b in "${list[@]}"; do
    [[ $b =~ ^[a-z0-9_-]+$ ]] || { echo "run-peers.sh: bad backend name '$b'" >&2; exit 2; }
    name=eporex
    [[ $b == epoll ]] || name=eporex-$b
    EXTRA+=(--extra "$name=dotnet $DLL --port {port} --seconds {life} --backend $b")
done
# The async echo server (issue 11) on the best backend here, with both continuation modes.
if ((ASYNC_ROWS)); then
    EXTRA+=(--extra "eporex-async=dotnet $DLL --port {port} --seconds {life} --async")
    EXTRA+=(--extra "eporex-async-inline=dotnet $DLL --port {port} --seconds {life} --async --inline")
    EXTRA+=(--extra "eporex-pipe=dotnet $DLL --port {port} --seconds {life} --async --pipe")
    EXTRA+=(--extra "eporex-pipe-inline=dotnet $DLL --port {port} --seconds {life} --async --pipe --inline")
fi

if ((AOT)); then
    AOT_DIR=/tmp/eporex-aot-echo
    echo "run-peers.sh: publishing bench/EchoBench with NativeAOT to $AOT_DIR" >&2
    rm -rf "$AOT_DIR"
    dotnet publish "$REPO/bench/EchoBench/EchoBench.csproj" -c Release -p:PublishAot=true \
        -o "$AOT_DIR" --nologo -v quiet >&2
    [[ -x $AOT_DIR/EchoBench ]] || { echo "run-peers.sh: the NativeAOT EchoBench was not built" >&2; exit 1; }
    EXTRA+=(--extra "eporex-aot=$AOT_DIR/EchoBench --port {port} --seconds {life} --backend epoll")
fi

echo "run-peers.sh: $BENCH/run.sh ${EXTRA[*]} ${PASS[*]}" >&2
before=$(ls -t "$BENCH"/build/results/run-*.tsv 2>/dev/null | head -1 || true)
"$BENCH/run.sh" "${EXTRA[@]}" "${PASS[@]}"
# run.sh's ratios divide medians taken apart; beside them, the same ratios paired within each repetition.
after=$(ls -t "$BENCH"/build/results/run-*.tsv 2>/dev/null | head -1 || true)
if [[ -n $after && $after != "$before" ]]; then
    echo
    bash "$REPO/bench/paired-ratios.sh" "$after"
fi
