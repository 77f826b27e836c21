# Sourced by bench/profile.sh, syscalls.sh, log-toggle.sh and ab.sh: the Release builds, a throwaway ECDSA P-256 certificate, the
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

# An EdgeProxy build (its DLL, with the openssl.cnf next to it) on 127.0.0.1: https PORT, http PORT+100, admin PORT+1400,
# its console in $WORK/logs/NAME.log, its data in $WORK/data/NAME, then any VAR=VALUE for its environment; STARTED is its PID.
start_edgeproxy() { # name, port, dll, config file in $WORK, [VAR=VALUE ...]
    local name=$1 port=$2 dll=$3 config=$4; shift 4
    (cd "$WORK" && exec env "OPENSSL_CONF=$(dirname "$dll")/openssl.cnf" "$@" dotnet "$dll" --config "$config" \
        "Kestrel:Endpoints:Https:Url=https://127.0.0.1:$port" "Kestrel:Endpoints:Http:Url=http://127.0.0.1:$((port + 100))" \
        "EdgeProxy:Admin:Urls=http://127.0.0.1:$((port + 1400))" "EdgeProxy:DataPath=data/$name") >"$WORK/logs/$name.log" 2>&1 &
    STARTED=$!; PIDS+=("$STARTED")
}

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # a process's utime + stime, 1/100 s
writer_ticks() { # the console writer thread's utime + stime (BatchedConsoleSink.ThreadName), 1/100 s, or nothing
    local task
    for task in /proc/"$1"/task/*; do
        [[ "$(cat "$task/comm" 2>/dev/null)" == edgeproxy-log ]] && { awk '{ print $14 + $15 }' "$task/stat"; return 0; }
    done
    return 0
}

# Numbers on stdin: " a b c ...; median M", sorted, 3 decimals.
median() { sort -n | awk '{ v[NR] = $1; line = line " " sprintf("%.3f", $1) } END { printf "%s; median %.3f", line, (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
