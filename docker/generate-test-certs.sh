#!/usr/bin/env bash
# Makes a throw-away PKI for the compose stack and the container test: a root CA, an intermediate, and
# a server leaf for localhost/127.0.0.1/::1/edgeproxy plus any names given. Files use the names a
# Kubernetes TLS secret and cert-manager use, so the same mounts work everywhere:
#   ca.crt   the root to trust (curl --cacert)
#   tls.crt  leaf followed by the intermediate (what EdgeProxy must send in every handshake)
#   tls.key  the leaf's key
# Usage: docker/generate-test-certs.sh [OUT_DIR (default docker/certs)] [extra DNS names...]
set -euo pipefail
out=${1:-"$(dirname "$0")/certs"}
shift || true
command -v openssl >/dev/null || { echo "openssl is required (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sans="DNS:localhost,DNS:edgeproxy,IP:127.0.0.1,IP:::1"
for name in "$@"; do sans="$sans,DNS:$name"; done

# EC P-256 keeps generation instant on a loaded machine; every TLS client supports it.
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

key "$work/ca.key"
openssl req -x509 -new -key "$work/ca.key" -subj "/CN=EdgeProxy Test Root CA" -days 30 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out "$work/ca.crt" 2>/dev/null

key "$work/int.key"
openssl req -new -key "$work/int.key" -subj "/CN=EdgeProxy Test Intermediate CA" -out "$work/int.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' > "$work/int.ext"
openssl x509 -req -in "$work/int.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial -days 30 \
  -extfile "$work/int.ext" -out "$work/int.crt" 2>/dev/null

key "$work/tls.key"
openssl req -new -key "$work/tls.key" -subj "/CN=localhost" -out "$work/tls.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$sans" > "$work/tls.ext"
openssl x509 -req -in "$work/tls.csr" -CA "$work/int.crt" -CAkey "$work/int.key" -CAcreateserial -days 30 \
  -extfile "$work/tls.ext" -out "$work/leaf.crt" 2>/dev/null

cat "$work/leaf.crt" "$work/int.crt" > "$out/tls.crt"
cp "$work/tls.key" "$out/tls.key"
cp "$work/ca.crt" "$out/ca.crt"
# World-readable on purpose: the container runs as uid 1654, not as the user who ran this script.
# These are test certificates; never do this with a real key.
chmod 0644 "$out/tls.crt" "$out/tls.key" "$out/ca.crt"
echo "test certificates in $out: ca.crt (trust this), tls.crt (leaf + intermediate), tls.key; SANs $sans"
