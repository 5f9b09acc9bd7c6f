#!/usr/bin/env bash
# Builds the manual: the API reference from every library under src/ and the articles of docs/articles,
# into docs/_site, with docfx (a local tool pinned in .config/dotnet-tools.json). Warnings are errors, so
# a broken cross-reference, a link to a missing page or a missing heading fails the build.
#
#   bash docs/build.sh            # about 30-60 s; then open docs/_site/index.html
#   bash docs/build.sh --serve    # the same, then serves the site on http://127.0.0.1:8080 (Ctrl-C stops)
#
# docs/check-api-pages.sh then checks that every public type has its page; docs/screenshot.sh looks at it.
set -euo pipefail
cd "$(dirname "$0")/.."

serve=0
for arg in "$@"; do
  case $arg in
    --serve) serve=1 ;;
    *) echo "usage: docs/build.sh [--serve]" >&2; exit 2 ;;
  esac
done

start=$SECONDS
dotnet tool restore >/dev/null

# Start clean, so that a page of a type that no longer exists cannot survive from an earlier build.
rm -rf docs/_site docs/api docs/obj

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet docfx docs/docfx.json --warningsAsErrors >"$log" 2>&1
status=$?
set -e
if [[ $status -ne 0 ]]; then
  # docfx prints every warning (now an error) with its file and line; show those, then the tail.
  grep -E '(warning|error)' "$log" | grep -vE '^(\s+[0-9]+ (warning|error)\(s\)|Build succeeded)' >&2 || true
  tail -n 5 "$log" >&2
  echo "docs build failed (docfx exit $status): fix the warnings above (broken links, cross-references…)" >&2
  exit "$status"
fi

pages=$(find docs/_site -name '*.html' | wc -l)
echo "docs: built docs/_site ($pages pages, $(find docs/_site/api -name '*.html' | wc -l) of them API) in $((SECONDS - start)) s"

if [[ $serve -eq 1 ]]; then
  exec dotnet docfx serve docs/_site --hostname 127.0.0.1 --port 8080
fi
