#!/usr/bin/env bash
# The test command. Installs the real peers the tests talk to when they are missing (Debian packages
# with apt-get, the Node clients with npm into tests/node/node_modules), then runs `dotnet test`.
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Hsts").
set -euo pipefail
cd "$(dirname "$0")"

# command on PATH -> Debian package
declare -A packages=(
  [curl]=curl [openssl]=openssl [testssl]=testssl.sh [nginx]=nginx-light [haproxy]=haproxy
  [node]=nodejs [npm]=npm [python3]=python3 [kubectl]=kubectl [pebble]=pebble [chromium]=chromium
)
missing=()
for tool in "${!packages[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("${packages[$tool]}")
done
# Debian's python3, which the Uvicorn tests start: a python3 earlier on PATH (pyenv, a venv) is another one.
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import uvicorn' >/dev/null 2>&1 || missing+=(python3-uvicorn)
# The independent JSON Schema validator config/appsettings.schema.json and the shipped configs are checked with.
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import jsonschema' >/dev/null 2>&1 || missing+=(python3-jsonschema)
if ((${#missing[@]})); then
  echo "test.sh: installing ${missing[*]}" >&2
  if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo -n); fi
  apt_install() { DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null; }
  # The package lists of a fresh machine are empty (or stale): always refresh them first. One package that
  # cannot be had (kubectl comes from the machine image, not Debian) must not stop the others.
  if ! "${sudo[@]}" apt-get update -qq || ! apt_install "${missing[@]}"; then
    for package in "${missing[@]}"; do
      apt_install "$package" || echo "test.sh: could not install $package; tests that need it are skipped locally (CI=true fails them)" >&2
    done
  fi
fi

if [ ! -d tests/node/node_modules ] && command -v npm >/dev/null 2>&1; then
  sh tests/node/install.sh || echo "test.sh: npm install failed; the Node-peer streaming tests will fail" >&2
fi

exec dotnet test EdgeProxy.sln "$@"
