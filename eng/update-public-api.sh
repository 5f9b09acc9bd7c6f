#!/usr/bin/env bash
# Brings every library's PublicAPI.Unshipped.txt in line with its code: builds, then adds each symbol
# the analyzer reports as undeclared (RS0016) and drops each declared one that is gone (RS0017).
# Review the diff: it is the change to the public surface.   Usage: eng/update-public-api.sh
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet build EporeX.sln -c Release --nologo -v q -p:TreatWarningsAsErrors=false >"$log" 2>&1 || true
python3 - "$log" <<'PY'
import re, sys, collections, pathlib
adds, drops = collections.defaultdict(set), collections.defaultdict(set)
pattern = re.compile(r"(?:error|warning) (RS0016|RS0017): Symbol '(.+?)' is (?:not part of the declared public API|part of the declared API, but is either not public or could not be found).*\[(.+?\.csproj)\]")
for line in open(sys.argv[1]):
    m = pattern.search(line)
    if m:
        (adds if m.group(1) == "RS0016" else drops)[pathlib.Path(m.group(3)).parent].add(m.group(2))
for folder in set(adds) | set(drops):
    for name in ("PublicAPI.Unshipped.txt",):
        path = folder / name
        lines = [l for l in path.read_text().splitlines() if l and not l.startswith("#")]
        kept = sorted((set(lines) - drops[folder]) | adds[folder], key=str.lower)
        path.write_text("#nullable enable\n" + "".join(l + "\n" for l in kept))
        print(f"{path}: +{len(adds[folder] - set(lines))} -{len(drops[folder] & set(lines))}")
PY
