#!/usr/bin/env bash
# Refreshes the front-end assets vendored from npm packages. Building and running
# Piazza need no npm: the files are committed. Run this (it needs npm and network
# access to the npm registry) only to change a version, then commit the result.
#
#   scripts/vendor-assets.sh
set -euo pipefail

BOOTSTRAP_ITALIA=2.18.3
LEAFLET=1.9.4
AXE_CORE=4.14.1

root=$(cd "$(dirname "$0")/.." && pwd)
static="$root/internal/web/static/vendor"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fetch() { # name version -> extracted package dir
  (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null)
  mkdir -p "$tmp/$1"
  tar xzf "$tmp/$1-$2.tgz" -C "$tmp/$1"
  echo "$tmp/$1/package"
}

# Bootstrap Italia: the CSS, the icon sprite and the WOFF2 fonts (Titillium Web, Lora,
# Roboto Mono). Its JavaScript is not used: it loads fonts through an inline <style>,
# which our Content-Security-Policy forbids; css/fonts.css declares them instead.
bi=$(fetch bootstrap-italia "$BOOTSTRAP_ITALIA")
rm -rf "$static/bootstrap-italia"
mkdir -p "$static/bootstrap-italia/css" "$static/bootstrap-italia/svg" "$static/bootstrap-italia/fonts"
cp "$bi/dist/css/bootstrap-italia.min.css" "$static/bootstrap-italia/css/"
cp "$bi/dist/svg/sprites.svg" "$static/bootstrap-italia/svg/"
cp "$bi/LICENSE" "$static/bootstrap-italia/LICENSE"
for family in Titillium_Web Lora Roboto_Mono; do
  mkdir -p "$static/bootstrap-italia/fonts/$family"
  cp "$bi/dist/fonts/$family/"*.woff2 "$static/bootstrap-italia/fonts/$family/"
  cp "$bi/dist/fonts/$family/"{OFL.txt,LICENSE.txt} "$static/bootstrap-italia/fonts/$family/" 2>/dev/null || true
done
# Drop the source map comment: the map is not vendored.
sed -i 's|/\*# sourceMappingURL=[^*]*\*/||' "$static/bootstrap-italia/css/bootstrap-italia.min.css"
echo "$BOOTSTRAP_ITALIA" > "$static/bootstrap-italia/VERSION"

# Leaflet, for maps (places, reports).
lf=$(fetch leaflet "$LEAFLET")
rm -rf "$static/leaflet"
mkdir -p "$static/leaflet/images"
cp "$lf/dist/leaflet.js" "$lf/dist/leaflet.css" "$static/leaflet/"
cp "$lf/dist/images/"*.png "$static/leaflet/images/"
cp "$lf/LICENSE" "$static/leaflet/LICENSE"
sed -i 's|//# sourceMappingURL=.*||' "$static/leaflet/leaflet.js"
echo "$LEAFLET" > "$static/leaflet/VERSION"

# axe-core, for the accessibility checks of the browser tests (not served).
axe=$(fetch axe-core "$AXE_CORE")
mkdir -p "$root/e2e/vendor"
cp "$axe/axe.min.js" "$root/e2e/vendor/axe.min.js"
cp "$axe/LICENSE" "$root/e2e/vendor/axe-core.LICENSE"
echo "$AXE_CORE" > "$root/e2e/vendor/axe-core.VERSION"

echo "vendored bootstrap-italia $BOOTSTRAP_ITALIA, leaflet $LEAFLET, axe-core $AXE_CORE"
