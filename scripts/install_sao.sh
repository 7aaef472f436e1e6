#!/usr/bin/env bash
# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
#
# Install sao, Tryton's web client, series 8.0 from npm into DIR (default
# var/sao), ready to be the [web] root of trytond.
#
# The npm package ships sao itself prebuilt (dist/tryton-sao.js and .css,
# locale/*.json), so no grunt build is needed. Its index.html loads jQuery,
# Bootstrap and the other libraries from node_modules/ *inside* the sao
# directory, so the package is unpacked into DIR and its dependencies are
# installed there, as sao's README says (npm install --production), rather
# than installed as a dependency of another package, where npm would hoist
# them out of reach. index.html also loads custom.js and custom.css, the
# hooks for local customisation: they are created empty.
#
# Usage: scripts/install_sao.sh [DIR]     (reinstalls when DIR is incomplete)
set -euo pipefail

SERIES=8.0
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-"$ROOT/var/sao"}

installed_series() {
    node -e 'const p = require(process.argv[1]);
        console.log(p.version.split(".").slice(0, 2).join("."))' \
        "$DIR/package.json" 2>/dev/null || true
}

if [ -f "$DIR/dist/tryton-sao.js" ] && [ -f "$DIR/custom.js" ] \
        && [ -f "$DIR/node_modules/jquery/dist/jquery.js" ] \
        && [ "$(installed_series)" = "$SERIES" ]; then
    exit 0
fi

command -v npm >/dev/null || {
    echo "npm is needed to install the web client" >&2; exit 1; }

mkdir -p "$(dirname "$DIR")"
WORK=$(mktemp -d "$(dirname "$DIR")/sao-install.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "Installing the web client (tryton-sao $SERIES) into $DIR"
# The newest release of the series.
TARBALL=$(cd "$WORK" && npm pack "tryton-sao@~$SERIES.0" --silent | tail -n 1)
mkdir "$WORK/sao"
tar -xzf "$WORK/$TARBALL" -C "$WORK/sao" --strip-components=1
(cd "$WORK/sao" && npm install --omit=dev --legacy-peer-deps \
    --ignore-scripts --no-audit --no-fund --loglevel=error)
touch "$WORK/sao/custom.js" "$WORK/sao/custom.css"

rm -rf "$DIR"
mv "$WORK/sao" "$DIR"
echo "Installed $(node -p "require('$DIR/package.json').version")"
