#!/bin/sh
# Installs the Node client libraries the streaming tests use as real peers (eventsource, ws) into
# tests/node/node_modules (git-ignored). Idempotent; .ci/run calls it before `dotnet test`.
# Without Node or these packages the Node-peer tests fail with a message naming this script.
set -eu
cd "$(dirname "$0")"
command -v npm >/dev/null 2>&1 || { echo "npm not found: install Node.js 20+ (Debian: apt-get install -y nodejs npm)" >&2; exit 1; }
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi
