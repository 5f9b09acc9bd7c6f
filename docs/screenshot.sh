#!/usr/bin/env bash
# Looks at the built manual as a person would: serves docs/_site on 127.0.0.1, takes headless Chromium
# screenshots of the landing page, one article and one API page into docs/screenshots/ (ignored by git),
# and checks that every public type has its API page (docs/check-api-pages.sh).
#
#   bash docs/build.sh && bash docs/screenshot.sh     # then open docs/screenshots/*.png
#   bash docs/screenshot.sh --check-only              # only the API-page check (what .ci/run runs)
#   bash docs/screenshot.sh --no-install              # fail instead of installing chromium with apt-get
#
# Chromium is installed with apt-get when it is missing (Debian/Ubuntu; needs root).
set -euo pipefail
cd "$(dirname "$0")/.."

check_only=0
install=1
for arg in "$@"; do
  case $arg in
    --check-only) check_only=1 ;;
    --no-install) install=0 ;;
    *) echo "usage: docs/screenshot.sh [--check-only] [--no-install]" >&2; exit 2 ;;
  esac
done

[[ -f docs/_site/index.html ]] || { echo "screenshot: docs/_site not built: run docs/build.sh first" >&2; exit 1; }

# 1. Completeness: a page for every public type.
bash docs/check-api-pages.sh
[[ $check_only -eq 1 ]] && exit 0

# 2. A browser.
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [[ -z $browser ]]; then
  [[ $install -eq 1 ]] || { echo "screenshot: no chromium found (and --no-install)" >&2; exit 1; }
  command -v apt-get >/dev/null || { echo "screenshot: no chromium and no apt-get to install it" >&2; exit 1; }
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
  echo "screenshot: installing chromium with apt-get (once)"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
  browser=$(command -v chromium)
fi

# 3. Serve the site (the search index and the table of contents are fetched by script, which file://
#    refuses), on a free port of 127.0.0.1, and stop that server, by its PID, whatever happens.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory docs/_site >/dev/null 2>&1 &
server=$!
profile=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$profile"' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/index.html')" 2>/dev/null && break
  sleep 0.1
done

# 4. The screenshots: name=path under _site.
out=docs/screenshots
mkdir -p "$out"
pages=(
  "index=index.html"
  "article-concepts=articles/concepts.html"
  "api-poll=api/EporeX.Poll.html"
)
for entry in "${pages[@]}"; do
  name=${entry%%=*}
  path=${entry#*=}
  [[ -f docs/_site/$path ]] || { echo "screenshot: docs/_site/$path missing" >&2; exit 1; }
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$profile" --virtual-time-budget=5000 \
    --window-size=1280,900 --screenshot="$PWD/$out/$name.png" \
    "http://127.0.0.1:$port/$path" >/dev/null 2>&1
  [[ -s $out/$name.png ]] || { echo "screenshot: no screenshot of $path" >&2; exit 1; }
  echo "screenshot: $out/$name.png  <- $path"
done
