#!/usr/bin/env bash
# Connection churn (issue 18): connect → one 64-byte request → echo → close, by 8 client threads, for
# each server in turn, alternating, R repetitions; medians of connections per second and of the
# server's CPU per connection (utime + stime from /proc/PID/stat over the measured seconds), and the
# CPU ratio to the first server (c-epoll unless ONLY="a b c" names others).
#
#   bench/churn.sh [-r REPS] [-d SECONDS] [--two-cores]
#
# Servers: c-epoll (../shared/bench's raw C epoll echo), dotnet-async (../shared/bench's .NET
# AcceptAsync + ReceiveAsync/SendAsync server), and EporeX's EchoBench: eporex (Poll loop), eporex-async
# (one EventLoop), eporex-async-2 (EventLoopGroup of 2 loops with SO_REUSEPORT listeners), eporex-pipe.
# By default the server is pinned to CPU 0 and the client to CPU 1; with --two-cores the server may use
# both CPUs (the client too): the row that shows what a second loop buys, and says so in its name.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPS=5
SECONDS_PER=4
TWO=0
while (($#)); do
    case $1 in
        -r) REPS=$2; shift 2 ;;
        -d) SECONDS_PER=$2; shift 2 ;;
        --two-cores) TWO=1; shift ;;
        *) echo "usage: bench/churn.sh [-r REPS] [-d SECONDS] [--two-cores]" >&2; exit 2 ;;
    esac
done

BENCH=/tmp/eporex-bench
if [[ ! -x $BENCH/build/bin/echo_epoll || ! -x $BENCH/build/dotnet-echo/EchoAsync ]]; then
    rm -rf "$BENCH" && cp -r "$REPO/../shared/bench" "$BENCH" && chmod -R u+w "$BENCH"
    "$BENCH/build.sh" >&2
fi
gcc -O2 -pthread -o /tmp/churnload "$REPO/bench/churn/churnload.c"
dotnet build "$REPO/bench/EchoBench/EchoBench.csproj" -c Release --nologo -v quiet >&2
DLL="$REPO/bench/EchoBench/bin/Release/net10.0/EchoBench.dll"

declare -A CMD=(
    [c-epoll]="$BENCH/build/bin/echo_epoll {port} 60"
    [dotnet-async]="$BENCH/build/dotnet-echo/EchoAsync {port} 60"
    [eporex]="dotnet $DLL --port {port} --seconds 60"
    [eporex-async]="dotnet $DLL --port {port} --seconds 60 --async"
    [eporex-async-inline]="dotnet $DLL --port {port} --seconds 60 --async --inline"
    [eporex-pipe]="dotnet $DLL --port {port} --seconds 60 --async --pipe"
    [eporex-async-2]="dotnet $DLL --port {port} --seconds 60 --async --loops 2"
)
ORDER=(${ONLY:-c-epoll dotnet-async eporex eporex-async eporex-async-inline eporex-pipe eporex-async-2})
SERVER_CPUS=0; CLIENT_CPUS=1
((TWO)) && { SERVER_CPUS=0,1; CLIENT_CPUS=0,1; }
TICK=$(getconf CLK_TCK)
declare -A RATES CPUS
port=19300
pid=
trap '[[ -n $pid ]] && kill $pid 2>/dev/null || true' EXIT
for ((rep = 1; rep <= REPS; rep++)); do
    for name in "${ORDER[@]}"; do
        port=$((port + 1))
        cmd=${CMD[$name]//\{port\}/$port}
        if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
            echo "churn.sh: port $port is taken" >&2; exit 1
        fi
        taskset -c $SERVER_CPUS $cmd >/dev/null 2>&1 &
        pid=$!
        for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
        taskset -c $CLIENT_CPUS /tmp/churnload $port 8 1 >/dev/null # warm-up
        server=$(pgrep -P $pid | head -1 || true); server=${server:-$pid}
        [[ -r /proc/$server/stat ]] || server=$pid
        before=$(awk '{print $14 + $15}' /proc/$server/stat)
        out=$(taskset -c $CLIENT_CPUS /tmp/churnload $port 8 "$SECONDS_PER")
        after=$(awk '{print $14 + $15}' /proc/$server/stat)
        kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
        conns=$(awk '{print $2}' <<<"$out"); rate=$(awk '{print $8}' <<<"$out"); failed=$(awk '{print $4}' <<<"$out")
        cpu_us=$(awk -v t=$((after - before)) -v k=$TICK -v c="$conns" 'BEGIN { printf "%.1f", (c > 0 ? t / k * 1e6 / c : 0) }')
        echo "rep $rep/$REPS  $name  conn_s=$rate  cpu_us_per_conn=$cpu_us  failed=$failed" >&2
        RATES[$name]+="$rate "; CPUS[$name]+="$cpu_us "
    done
done
median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ref_cpu=$(median <<<"${CPUS[${ORDER[0]}]}")
printf '%-16s %10s %16s %10s\n' server conn_s cpu_us_per_conn cpu_ratio
for name in "${ORDER[@]}"; do
    r=$(median <<<"${RATES[$name]}"); c=$(median <<<"${CPUS[$name]}")
    label=$name; ((TWO)) && label="$name (2 cores)"
    printf '%-16s %10.0f %16.1f %10.3f\n' "$label" "$r" "$c" "$(awk -v a="$ref_cpu" -v b="$c" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')"
done
