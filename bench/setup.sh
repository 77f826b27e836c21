# Sourced by bench/profile.sh and bench/syscalls.sh: the Release builds, a throwaway ECDSA P-256 certificate, the
# bench configs and the nginx upstream on 18080, all in $WORK; every process started is tracked in PIDS and stopped
# on exit. Needs ROOT, BENCH and WORK (with certs/ and logs/) set; the arguments are the projects to build.
declare -a PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

for project in "$@"; do
    dotnet build "$ROOT/$project" -c Release -v quiet -nologo -clp:ErrorsOnly >"$WORK/logs/build.log" 2>&1 || { cat "$WORK/logs/build.log" >&2; exit 1; }
done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$WORK/certs/key.pem" -out "$WORK/certs/cert.pem" 2>/dev/null
cp "$BENCH"/config/* "$WORK/"
(cd "$WORK" && exec nginx -p "$WORK/" -c "$WORK/nginx-upstream.conf") >"$WORK/logs/upstream.log" 2>&1 &
PIDS+=("$!")

# EdgeProxy as the container runs it: OPENSSL_CONF at the openssl.cnf its build ships (TLS 1.2 suites, SSL_CTX cache).
EDGE=(env "OPENSSL_CONF=$ROOT/src/EdgeProxy/bin/Release/net10.0/openssl.cnf" dotnet "$ROOT/src/EdgeProxy/bin/Release/net10.0/EdgeProxy.dll" --config edgeproxy.json)
