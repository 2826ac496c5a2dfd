#!/usr/bin/env bash
# Installs the dashboard's npm packages exactly as package-lock.json pins them, unless node_modules already holds
# that lockfile's install (npm keeps a copy in node_modules/.package-lock.json). Needs Node 20+.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "the dashboard build needs Node.js 20+ and npm (or build with -Dskip.ui)" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "the dashboard build needs Node.js 20+, found $(node --version) (or build with -Dskip.ui)" >&2
  exit 1
fi
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  exit 0
fi
npm ci --no-audit --no-fund
