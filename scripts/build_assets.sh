#!/usr/bin/env bash
# Build the front-end assets into marketplace/static/ (served by Flask at /assets):
#   application.css          GOV.UK Frontend Sass compiled with a system font stack
#   govuk-frontend.min.js    GOV.UK Frontend's ES module (exports initAll)
#   images/, manifest.json   GOV.UK Frontend's dist/govuk/assets (fonts are not used)
# Flask serves marketplace/static/ at /assets, so the CSS's url("/assets/images/...")
# (from $govuk-assets-path) resolves to marketplace/static/images/.
# Idempotent: reinstalls npm packages only when package-lock.json changes and
# recompiles the Sass only when a source is newer than the output.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FRONTEND="$ROOT/frontend"
STATIC="$ROOT/marketplace/static"
GOVUK="$FRONTEND/node_modules/govuk-frontend/dist/govuk"
SASS="$FRONTEND/node_modules/.bin/sass"
STAMP="$FRONTEND/node_modules/.marketplace-install-stamp"

command -v npm >/dev/null 2>&1 || { echo "build_assets: npm is not installed (Node 20+ needed)" >&2; exit 1; }

# 1. npm packages (install scripts are not needed: sass is pure JavaScript).
cd "$FRONTEND"
if [[ -f package-lock.json ]]; then
  want="$(sha256sum package.json package-lock.json | sha256sum | cut -d' ' -f1)"
  if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" && -x "$SASS" && -d "$GOVUK" ]]; then
    echo "build_assets: npm packages up to date"
  else
    echo "build_assets: npm ci"
    npm ci --ignore-scripts --no-audit --no-fund
    echo "$want" > "$STAMP"
  fi
else
  echo "build_assets: no package-lock.json, running npm install"
  npm install --ignore-scripts --no-audit --no-fund
  sha256sum package.json package-lock.json | sha256sum | cut -d' ' -f1 > "$STAMP"
fi

mkdir -p "$STATIC"

# 2. Sass -> application.css, only when the output is missing or out of date.
CSS="$STATIC/application.css"
if [[ ! -f "$CSS" ]] \
   || [[ -n "$(find "$FRONTEND/scss" "$GOVUK" "$STAMP" -newer "$CSS" -print -quit)" ]]; then
  echo "build_assets: compiling scss/application.scss -> marketplace/static/application.css"
  "$SASS" --load-path=node_modules --style=compressed --no-source-map --quiet-deps \
    scss/application.scss "$CSS.tmp"
  mv "$CSS.tmp" "$CSS"
else
  echo "build_assets: application.css up to date"
fi

# 3. Copy a file only when its content differs (keeps mtimes stable for caching).
copy_if_changed() {
  local src="$1" dest="$2"
  if ! cmp -s "$src" "$dest"; then
    mkdir -p "$(dirname "$dest")"
    cp "$src" "$dest"
    echo "build_assets: updated ${dest#"$ROOT"/}"
  fi
}

copy_if_changed "$GOVUK/govuk-frontend.min.js" "$STATIC/govuk-frontend.min.js"
copy_if_changed "$GOVUK/assets/manifest.json" "$STATIC/manifest.json"
for image in "$GOVUK"/assets/images/*; do
  copy_if_changed "$image" "$STATIC/images/$(basename "$image")"
done

echo "build_assets: done (marketplace/static/)"
