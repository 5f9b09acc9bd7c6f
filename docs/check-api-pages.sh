#!/usr/bin/env bash
# Checks the built site (docs/_site, made by docs/build.sh) against the declared public surface: every
# public type of every library under src/ has its page in _site/api/, and every type page there belongs
# to a declared public type. The public types are read from each library's PublicAPI.Shipped.txt and
# PublicAPI.Unshipped.txt, which the build keeps in step with the code (RS0016/RS0017), so the check needs
# no build of its own and nothing but bash and awk.
#
#   bash docs/check-api-pages.sh            # exit 0 when complete; otherwise lists what is missing
set -euo pipefail
cd "$(dirname "$0")/.."

site=docs/_site/api
[[ -d $site ]] || { echo "check-api-pages: $site not found: run docs/build.sh first" >&2; exit 1; }

shopt -s nullglob
api_files=(src/*/PublicAPI.Shipped.txt src/*/PublicAPI.Unshipped.txt)
[[ ${#api_files[@]} -gt 0 ]] || { echo "check-api-pages: no src/*/PublicAPI.*.txt found" >&2; exit 1; }

# A type line of a PublicAPI file is a bare name: no member signature "(", no " -> ", no " = ".
# "*REMOVED*" lines (in Unshipped) take a shipped type away. Generic arity becomes docfx's "-N":
# EporeX.AsyncFd<T> -> EporeX.AsyncFd-1.
types=$(awk '
  function page(name,   n, inner) {
    if (match(name, /<[^>]*>/)) {
      inner = substr(name, RSTART + 1, RLENGTH - 2)
      n = gsub(/,/, ",", inner) + 1
      name = substr(name, 1, RSTART - 1) "-" n substr(name, RSTART + RLENGTH)
    }
    return name
  }
  /^#/ || /^[[:space:]]*$/ { next }
  {
    line = $0
    removed = sub(/^\*REMOVED\*/, "", line)
    sub(/^~/, "", line)
    if (line ~ /\(/ || line ~ / -> / || line ~ / = /) next
    while (line ~ /^(abstract|static|sealed|virtual|override|readonly|const) /) sub(/^[a-z]+ /, "", line)
    name = page(line)
    if (name ~ / /) next
    if (removed) gone[name] = 1; else seen[name] = 1
  }
  END { for (t in seen) if (!(t in gone)) print t }' "${api_files[@]}" | sort)

count=$(wc -l <<<"$types")
missing=0
while read -r type; do
  if [[ ! -f $site/$type.html ]]; then
    echo "check-api-pages: no API page for the public type $type (expected $site/$type.html)" >&2
    missing=$((missing + 1))
  fi
done <<<"$types"

# The other way round: a page that is neither a declared type nor a namespace of one is a type the
# reference documents but the PublicAPI files do not declare.
namespaces=$(awk -F. '{ p = $1; for (i = 2; i <= NF; i++) { print p; p = p "." $i } }' <<<"$types" | sort -u)
extra=0
for page in "$site"/*.html; do
  name=$(basename "$page" .html)
  [[ $name == toc ]] && continue
  if ! grep -qxF "$name" <<<"$types" && ! grep -qxF "$name" <<<"$namespaces"; then
    echo "check-api-pages: $page documents $name, which no PublicAPI file declares" >&2
    extra=$((extra + 1))
  fi
done

if [[ $missing -ne 0 || $extra -ne 0 ]]; then
  echo "check-api-pages: $missing public type(s) without a page, $extra page(s) without a declared type" >&2
  exit 1
fi
echo "check-api-pages: all $count public types have their page in $site"
