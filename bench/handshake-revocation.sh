#!/usr/bin/env bash
# What a full mTLS handshake costs EdgeProxy with client-certificate revocation off and on, in one interleaved run.
#
#   bench/handshake-revocation.sh [--rounds N] [--secs S] [--base DLL]   (default 3 rounds of 4 s per variant, about 2 minutes)
#
# Four EdgeProxy processes (Release), TLS 1.3, access log off, no routes (every request is the proxy's own 404):
#   nocert   no client certificate asked for (the mTLS-free baseline)
#   off      RequireCertificate, Revocation None
#   crl      RequireCertificate, Revocation Crl, a CRL of 1,001 entries
#   ocsp     RequireCertificate, Revocation Ocsp, a loopback responder (openssl ocsp per request) named in the AIA
# Each round runs two `openssl s_time -new -www /` clients side by side against each variant in turn (every
# connection a full handshake presenting the same good client certificate) and divides the proxy's CPU time
# (utime + stime from /proc/PID/stat) by the connections made. A last row times refused handshakes: the crl
# variant with a revoked certificate. --base DLL adds base-off and base-crl: the same two set-ups run by another
# build (e.g. one made from the commit before a change), measured in the same interleaved rounds.
#
# Loopback only, fixed ports 18701-18706, 18710 (responder) and 19911-19916 (admin). Every process it starts is
# tracked by PID and stopped on exit; every load is bounded in time.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
ROUNDS=3
SECS=4
BASE_DLL=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) ROUNDS="$2"; shift ;;
        --secs) SECS="$2"; shift ;;
        --base) BASE_DLL="$(realpath "$2")"; shift ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done

WORK="$(mktemp -d /tmp/edgeproxy-hs.XXXXXX)"
mkdir -p "$WORK/pki" "$WORK/logs" "$WORK/raw"
declare -a PIDS=()
declare -A PID_OF=() PORT=()
CLK_TCK=$(getconf CLK_TCK)
log() { printf '%s\n' "$*" >&2; }

cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    if [[ $rc -ne 0 ]]; then log "failed (exit $rc); logs kept in $WORK/logs"; else rm -rf "$WORK"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for port in 18701 18702 18703 18704 18705 18706 18710 19911 19912 19913 19914 19915 19916; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port 127.0.0.1:$port is in use" >&2; exit 1; fi
done

# ---------------------------------------------------------------------------------------------
# Build and PKI: a CA (EC P-256) issuing the server certificate, a good and a revoked client certificate whose
# AIA names the loopback responder, and a CRL listing the revoked one and 1,000 others.
# ---------------------------------------------------------------------------------------------
EDGE_DLL="$ROOT/src/EdgeProxy/bin/Release/net10.0/EdgeProxy.dll"
if [[ ! -f "$EDGE_DLL" || -n "$(find "$ROOT/src/EdgeProxy" "$ROOT"/Directory.*.props -newer "$EDGE_DLL" -type f -not -path '*/bin/*' -not -path '*/obj/*' -print -quit)" ]]; then
    log "building EdgeProxy (Release)"
    dotnet build "$ROOT/src/EdgeProxy" -c Release -v quiet -nologo -clp:ErrorsOnly >"$WORK/logs/build.log" 2>&1 || { cat "$WORK/logs/build.log" >&2; exit 1; }
fi

P="$WORK/pki"
cat > "$P/ca.cnf" <<EOF
[ca]
default_ca = bench
[bench]
database = $P/index.txt
new_certs_dir = $P
serial = $P/serial
crlnumber = $P/crlnumber
default_md = sha256
default_crl_days = 7
policy = any
[any]
commonName = supplied
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
authorityInfoAccess = OCSP;URI:http://127.0.0.1:18710/
EOF
: > "$P/index.txt"; echo 1000 > "$P/serial"; echo 01 > "$P/crlnumber"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=Bench Client CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$P/ca.key" -out "$P/ca.pem" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$P/server.key" -out "$P/server.pem" 2>/dev/null
for name in good revoked; do
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" -keyout "$P/$name.key" -out "$P/$name.csr" 2>/dev/null
    openssl ca -batch -config "$P/ca.cnf" -extensions client -days 30 -cert "$P/ca.pem" -keyfile "$P/ca.key" \
        -in "$P/$name.csr" -out "$P/$name.pem" -notext 2>/dev/null
done
openssl ca -config "$P/ca.cnf" -cert "$P/ca.pem" -keyfile "$P/ca.key" -revoke "$P/revoked.pem" 2>/dev/null
now="$(date -u +%y%m%d%H%M%SZ)"; until_="$(date -u -d '+30 days' +%y%m%d%H%M%SZ)"
for i in $(seq 1 1000); do # other revoked serials, so the CRL has the size of a real one
    printf 'R\t%s\t%s\t%s\tunknown\t/CN=other%s\n' "$until_" "$now" "$(openssl rand -hex 8 | tr a-f A-F)" "$i"
done >> "$P/index.txt"
openssl ca -gencrl -config "$P/ca.cnf" -cert "$P/ca.pem" -keyfile "$P/ca.key" -out "$P/ca.crl" 2>/dev/null
log "CRL: $(openssl crl -in "$P/ca.crl" -noout -text | grep -c 'Serial Number') revoked serials"

# The responder: loopback-only HTTP; each POST is answered and signed by openssl ocsp (nextUpdate 60 min).
cat > "$WORK/ocsp.py" <<'EOF'
import http.server, subprocess, sys, tempfile, os
pki = sys.argv[1]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        with tempfile.TemporaryDirectory() as d:
            req, resp = os.path.join(d, 'req.der'), os.path.join(d, 'resp.der')
            open(req, 'wb').write(body)
            subprocess.run(['openssl', 'ocsp', '-index', f'{pki}/index.txt', '-CA', f'{pki}/ca.pem', '-rsigner', f'{pki}/ca.pem',
                            '-rkey', f'{pki}/ca.key', '-reqin', req, '-respout', resp, '-nmin', '60'], check=True, capture_output=True)
            data = open(resp, 'rb').read()
        self.send_response(200); self.send_header('Content-Type', 'application/ocsp-response')
        self.send_header('Content-Length', str(len(data))); self.end_headers(); self.wfile.write(data)
    def log_message(self, *args): pass
http.server.HTTPServer(('127.0.0.1', 18710), Handler).serve_forever()
EOF
python3 "$WORK/ocsp.py" "$P" >"$WORK/logs/ocsp.log" 2>&1 &
PIDS+=("$!")

# ---------------------------------------------------------------------------------------------
# The variants
# ---------------------------------------------------------------------------------------------
start_edge() { # name, port, admin port, client-certificate mode, revocation[, dll]
    local name="$1" port="$2" admin="$3" mode="$4" revocation="$5" dll="${6:-$EDGE_DLL}"
    cat > "$WORK/$name.json" <<EOF
{
  "Kestrel": { "Endpoints": {
    "Http": { "Url": "http://127.0.0.1:0" },
    "Https": { "Url": "https://127.0.0.1:$port", "SslProtocols": [ "Tls13" ], "ClientCertificateMode": "$mode",
               "Certificate": { "Path": "$P/server.pem", "KeyPath": "$P/server.key" } } } },
  "EdgeProxy": {
    "DataPath": "$WORK/data-$name", "ShutdownTimeout": "2s", "Admin": { "Urls": "http://127.0.0.1:$admin" },
    "AccessLog": { "Enabled": false },
    "ClientCertificates": { "TrustedCaFiles": [ "$P/ca.pem" ], "Revocation": "$revocation", "CrlFiles": [ "$P/ca.crl" ] }
  }
}
EOF
    [[ "$revocation" == Crl ]] || sed -i 's|, "CrlFiles": \[ "[^"]*" \]||' "$WORK/$name.json"
    [[ "$mode" != NoCertificate ]] || sed -i 's|"ClientCertificates": {[^}]*}|"ClientCertificates": { }|' "$WORK/$name.json"
    (cd "$WORK" && exec dotnet "$dll" --config "$WORK/$name.json") >"$WORK/logs/$name.log" 2>&1 &
    PIDS+=("$!"); PID_OF[$name]=$!; PORT[$name]=$port
    for _ in $(seq 1 150); do
        curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$admin/readyz" && return 0
        kill -0 "${PID_OF[$name]}" 2>/dev/null || { log "$name exited:"; tail -20 "$WORK/logs/$name.log" >&2; exit 1; }
        sleep 0.2
    done
    log "$name never became ready"; exit 1
}
start_edge nocert 18701 19911 NoCertificate None
start_edge off 18702 19912 RequireCertificate None
start_edge crl 18703 19913 RequireCertificate Crl
start_edge ocsp 18704 19914 RequireCertificate Ocsp
VARIANTS=(nocert off crl ocsp)
if [[ -n "$BASE_DLL" ]]; then
    start_edge base-off 18705 19915 RequireCertificate None "$BASE_DLL"
    start_edge base-crl 18706 19916 RequireCertificate Crl "$BASE_DLL"
    VARIANTS+=(base-off base-crl)
fi

cpu_us() { awk -v tck="$CLK_TCK" '{ sub(/^.*\) /, ""); printf "%d", ($12 + $13) * 1000000 / tck }' "/proc/${PID_OF[$1]}/stat"; }

# Two s_time clients side by side; prints "connections cpu_us".
load() { # variant, seconds, certificate name
    local out="$WORK/raw/$1-$RANDOM" before after i conns
    local cert=(); [[ "$1" == nocert ]] || cert=(-cert "$P/$3.pem" -key "$P/$3.key")
    before=$(cpu_us "$1")
    for i in 1 2; do
        timeout -k 2 $(($2 + 20)) openssl s_time -connect "127.0.0.1:${PORT[$1]}" -new -time "$2" -www / "${cert[@]}" >"$out.$i" 2>&1 &
    done
    wait $(jobs -p | tail -2) || true
    after=$(cpu_us "$1")
    conns=$(awk '/connections in .* real seconds/ { n += $1 } END { print n + 0 }' "$out".1 "$out".2)
    echo "$conns $((after - before))"
}

# Each status at least once, so the first OCSP request and JIT are not what is measured.
for v in "${VARIANTS[@]}"; do
    curl -sk -o /dev/null --cert "$P/good.pem" --key "$P/good.key" "https://127.0.0.1:${PORT[$v]}/" || true
    load "$v" 4 good >/dev/null
done
for v in crl ocsp; do # the base build (before revocation moved into the handshake) accepts it: not checked there
    code=$(curl -sk -o /dev/null -w '%{http_code}' --cert "$P/revoked.pem" --key "$P/revoked.key" "https://127.0.0.1:${PORT[$v]}/" || true)
    [[ "$code" == 000 ]] || { log "$v accepted the revoked certificate (HTTP $code)"; exit 1; }
done
log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

declare -A CPU=() RATE=()
for round in $(seq 1 "$ROUNDS"); do
    order=("${VARIANTS[@]}"); (( round % 2 == 0 )) && mapfile -t order < <(printf '%s\n' "${VARIANTS[@]}" | tac)
    for v in "${order[@]}"; do
        read -r conns cpu < <(load "$v" "$SECS" good)
        (( conns > 0 )) || { log "$v: no connections"; continue; }
        CPU[$v]+="$((cpu / conns)) "; RATE[$v]+="$((conns / SECS)) "
        log "round $round $(printf '%-7s' "$v") $((conns / SECS)) handshakes/s, $((cpu / conns)) µs CPU/handshake"
    done
done
read -r conns cpu < <(load crl "$SECS" revoked)
log "refused: crl with the revoked certificate: $((conns / SECS)) connections/s, $(( conns > 0 ? cpu / conns : 0 )) µs CPU/connection"

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] " (" a[1] "-" a[NR] ")" }'; }
echo
echo "| variant | full handshakes/s | proxy CPU µs per handshake, median (min-max) |"
echo "|---|---|---|"
for v in "${VARIANTS[@]}"; do
    echo "| $v | $(echo "${RATE[$v]}" | median) | $(echo "${CPU[$v]}" | median) |"
done
