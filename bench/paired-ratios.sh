#!/usr/bin/env bash
# Paired CPU ratios from a run.sh results TSV: for each repetition, a server's CPU per message against the
# reference server's in the same repetition, then the median over repetitions.
#
#   bench/paired-ratios.sh RESULTS.tsv [REFERENCE (default c-epoll)]
#
# run.sh's summary divides medians taken over all repetitions of each server apart. On a shared VM a
# repetition can land in a slow state (the host's load, or each message waking the other side's CPU), so
# two servers' medians may come from different states. Servers of one repetition run one after another,
# minutes apart at most; pairing them within the repetition cancels what the repetition shared. Both
# figures are printed by bench/run-peers.sh; neither replaces the other.
#
# Also printed: the pairs issue 18 compares (the pipe echo against .NET's, and against the AsyncFd echo),
# as "how many times cheaper", per repetition, then the median.
set -euo pipefail
TSV=${1:?usage: paired-ratios.sh RESULTS.tsv [REFERENCE]}
REF=${2:-c-epoll}
[[ -f $TSV ]] || { echo "paired-ratios.sh: no file $TSV" >&2; exit 2; }

awk -F'\t' -v ref="$REF" '
    function median(list,   a, n, i, j, t) {
        n = split(list, a, " ")
        for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    # "cheaper" of a against b over the repetitions both ran: b CPU per message / a CPU per message
    function paired(a, b,   r, list, shown) {
        list = ""; shown = ""
        for (r = 1; r <= reps; r++) {
            if ((a, r) in cpm && (b, r) in cpm) {
                list = list " " cpm[b, r] / cpm[a, r]
                shown = shown sprintf(" %.2f", cpm[b, r] / cpm[a, r])
            }
        }
        return list == "" ? "" : sprintf("%6.3f   %s", median(list), shown)
    }
    /^#/ || $1 == "rep" { next }
    $3 > 0 {
        cpm[$2, $1] = $7 / $3
        if (!($2 in seen)) { seen[$2] = 1; names[++count] = $2 }
        if ($1 + 0 > reps) reps = $1 + 0
    }
    END {
        printf "== paired CPU ratios (per repetition, against %s in the same repetition; median, then each)\n", ref
        for (i = 1; i <= count; i++) {
            if ((line = paired(names[i], ref)) != "") printf "%-22s %s\n", names[i], line
        }
        split("eporex-pipe-inline:dotnet-inline eporex-pipe:dotnet-async eporex-pipe-inline:eporex-async-inline", pairs, " ")
        header = 0
        for (i = 1; i in pairs; i++) {
            split(pairs[i], ab, ":")
            if ((line = paired(ab[1], ab[2])) == "") continue
            if (!header++) printf "== how many times cheaper per message (paired per repetition; median, then each)\n"
            printf "%-42s %s\n", ab[1] " vs " ab[2], line
        }
    }' "$TSV"
