#!/usr/bin/env bash
# EdgeProxy against plain YARP, nginx, HAProxy and the upstream itself, side by side, in one run.
#
#   bench/run.sh            full run (3 rounds per workload, under 10 minutes)
#   bench/run.sh --quick    short smoke run (under 2 minutes; 2 rounds, 1 for memory and SSE, no access-log row)
#
# Options: --rounds N, --workloads h1,h2,tls,resume,sse,mem (and on request: tls12, full TLS 1.2 handshakes; peak, RSS
# at the peak of a 64-connection load and 60 s after it), --variant 'NAME=VAR=VALUE[;VAR=VALUE...]'
# (an extra EdgeProxy instance with those environment variables, for tuning experiments; the pseudo
# variable DLL=PATH runs another EdgeProxy build, e.g. a copy of bin/Release from before a change, or a native
# executable when PATH does not end in .dll: 'aot=DLL=/tmp/aotpub/EdgeProxy' for the native-AOT publish),
# --aot (adds the row edgeproxy~aot: this source published with native AOT, about a minute more; see the
# README's *Operating it*), --no-install (fail instead of apt-get installing missing tools), --status-page-open (adds the row
# edgeproxy~page: the same build with a headless Chromium keeping its admin status page open, polling
# /status.json every 5 s, during all its loads; compare its h1 figures with the edgeproxy row).
#
# Loopback only, fixed ports 18080-18620 and 19900-19909 on 127.0.0.1. Every process it starts is
# tracked by PID and stopped on exit; every load is bounded in count and time.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
QUICK=0
ROUNDS=""
WORKLOADS="h1,h2,tls,resume,sse,mem"
INSTALL=1
STATUS_PAGE=0
AOT=0
declare -a VARIANTS=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --rounds) ROUNDS="$2"; shift ;;
        --workloads) WORKLOADS="$2"; shift ;;
        --variant) VARIANTS+=("$2"); shift ;;
        --no-install) INSTALL=0 ;;
        --aot) AOT=1 ;;
        --status-page-open) STATUS_PAGE=1 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done

if [[ $QUICK == 1 ]]; then
    ROUNDS="${ROUNDS:-2}"; MEM_ROUNDS=1; SSE_ROUNDS=1; LOG_ROW=0; LIMIT=150
    H1_SECS=2; H2_SECS=1; TLS_SECS=1; WARM_SECS=2
    SSE_STREAMS=100; SSE_EVENTS=8; WS_COUNT=200; WS_HOLD=1
else
    ROUNDS="${ROUNDS:-3}"; MEM_ROUNDS=$ROUNDS; SSE_ROUNDS=$ROUNDS; LOG_ROW=1; LIMIT=590
    H1_SECS=4; H2_SECS=3; TLS_SECS=2; WARM_SECS="${WARM_SECS:-8}"
    SSE_STREAMS=200; SSE_EVENTS=15; WS_COUNT=2000; WS_HOLD=2
fi
SSE_INTERVAL_MS=100
# peak: 15 s of load per proxy, then 60 s idle (EdgeProxy returns memory after 30 s idle, checked every 5 s); the
# watchdog gets that time on top, per round: 5 proxies' loads and one idle wait.
PEAK_SECS=15; PEAK_IDLE_SECS=60
[[ $QUICK == 1 ]] && { PEAK_SECS=5; PEAK_IDLE_SECS=40; }
[[ ",$WORKLOADS," == *",peak,"* ]] && LIMIT=$(( LIMIT + MEM_ROUNDS * (5 * (PEAK_SECS + 3) + PEAK_IDLE_SECS + 20) ))

START_EPOCH=$(date +%s)
LOAD_AT_START="$(cut -d' ' -f1-3 /proc/loadavg)"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
WORK="$(mktemp -d /tmp/edgeproxy-bench.XXXXXX)"
mkdir -p "$WORK/certs" "$WORK/logs" "$WORK/data" "$WORK/raw" "$BENCH/results"
SAMPLES="$WORK/samples.jsonl"
: > "$SAMPLES"

declare -a PIDS=()
declare -A PID_OF=()
WATCHDOG=""

log() { printf '[%4ss] %s\n' "$(( $(date +%s) - START_EPOCH ))" "$*" >&2; }

stop_pid() {
    local pid="$1"
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    [[ -n "$WATCHDOG" ]] && kill "$WATCHDOG" 2>/dev/null || true
    if [[ $rc -ne 0 ]]; then
        log "failed (exit $rc); logs kept in $WORK/logs"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
REPORTING=0
trap 'log "interrupted"; if [[ $REPORTING == 0 && -s "$SAMPLES" ]] && declare -F write_report >/dev/null; then REPORTING=1; write_report || true; fi; exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------------
need=()
tools="nginx:nginx haproxy:haproxy wrk:wrk h2load:nghttp2-client openssl:openssl curl:curl"
[[ $STATUS_PAGE == 1 ]] && tools+=" chromium:chromium"
for tool in $tools; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool#*:}")
done
if [[ ${#need[@]} -gt 0 ]]; then
    [[ $INSTALL == 1 ]] || { echo "missing: ${need[*]}" >&2; exit 1; }
    log "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq "${need[@]}" >/dev/null
fi
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

for port in 18080 18081 18443 18444 18501 18502 18503 18504 18505 18506 19901 19902 19903 19904 19905 19900; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "port 127.0.0.1:$port is in use; another bench run?" >&2; exit 1
    fi
done

# ---------------------------------------------------------------------------------------------
# Build (Release) and a throwaway ECDSA P-256 certificate shared by every TLS listener
# ---------------------------------------------------------------------------------------------
log "building EdgeProxy, plain YARP and the bench tool (Release) where sources changed"
up_to_date() { # project dir, output dll: nothing in the project (or the shared props) is newer than the dll
    [[ -f "$2" ]] || return 1
    [[ -z "$(find "$ROOT/$1" "$ROOT"/Directory.*.props -newer "$2" -type f -not -path '*/bin/*' -not -path '*/obj/*' -print -quit)" ]]
}
for project in src/EdgeProxy:EdgeProxy bench/PlainYarp:PlainYarp bench/BenchTool:BenchTool; do
    dir="${project%%:*}"
    up_to_date "$dir" "$ROOT/$dir/bin/Release/net10.0/${project#*:}.dll" && continue
    dotnet build "$ROOT/$dir" -c Release -v quiet -nologo -clp:ErrorsOnly >"$WORK/logs/build.log" 2>&1 \
        || { cat "$WORK/logs/build.log" >&2; exit 1; }
done
EDGE_DLL="$ROOT/src/EdgeProxy/bin/Release/net10.0/EdgeProxy.dll"
YARP_DLL="$ROOT/bench/PlainYarp/bin/Release/net10.0/PlainYarp.dll"
TOOL_DLL="$ROOT/bench/BenchTool/bin/Release/net10.0/BenchTool.dll"
if [[ $AOT == 1 ]]; then
    log "publishing EdgeProxy with native AOT"
    dotnet publish "$ROOT/src/EdgeProxy" -c Release -r linux-x64 -p:PublishAot=true -o "$WORK/aot" -v quiet -nologo -clp:ErrorsOnly \
        >"$WORK/logs/aot-publish.log" 2>&1 || { cat "$WORK/logs/aot-publish.log" >&2; exit 1; }
fi

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$WORK/certs/key.pem" -out "$WORK/certs/cert.pem" 2>/dev/null
cat "$WORK/certs/cert.pem" "$WORK/certs/key.pem" > "$WORK/certs/combined.pem"
cp "$BENCH"/config/* "$WORK/"

# Started once and kept for the whole run, stopped by cleanup.
start_bg() { # name, then the command; runs in $WORK
    local name="$1"; shift
    (cd "$WORK" && exec "$@") >"$WORK/logs/$name.log" 2>&1 &
    PIDS+=("$!"); PID_OF[$name]=$!
}

wait_http() { # url, name
    for _ in $(seq 1 150); do
        if curl -sk -o /dev/null --max-time 1 -w '%{http_code}' "$1" 2>/dev/null | grep -q '^[23]'; then return 0; fi
        kill -0 "${PID_OF[$2]}" 2>/dev/null || { log "$2 exited:"; tail -20 "$WORK/logs/$2.log" >&2; return 1; }
        sleep 0.2
    done
    log "$2 did not answer $1 within 30 s"; tail -20 "$WORK/logs/$2.log" >&2; return 1
}

start_upstreams() {
    start_bg upstream nginx -p "$WORK/" -c "$WORK/nginx-upstream.conf"
    start_bg streams dotnet "$TOOL_DLL" serve --http 18081 --https 18444 --cert "$WORK/certs/cert.pem" --key "$WORK/certs/key.pem"
    wait_http "http://127.0.0.1:18080/" upstream
    wait_http "http://127.0.0.1:18081/" streams
}

# Proxies: name → port. "edgeproxy+log" is EdgeProxy with its access log on (its own text console → a file),
# "edgeproxy+json" the same in compact JSON (EdgeProxy:Console:Format).
declare -A PORT=([direct]=18443 [edgeproxy]=18501 [edgeproxy+log]=18502 [edgeproxy+json]=18506 [plain-yarp]=18503 [nginx]=18504 [haproxy]=18505)
declare -A ENV_OF=()
declare -A ADMIN_OF=()
VARIANT_NAMES=()

# The AOT row: an ordinary variant running the executable published above (its path is known once WORK exists).
[[ $AOT == 1 ]] && VARIANTS+=("aot=DLL=$WORK/aot/EdgeProxy")
# The status-page row: an ordinary variant (the variable only names it) whose admin page a browser keeps open.
[[ $STATUS_PAGE == 1 ]] && VARIANTS+=("page=EDGEPROXY_BENCH_STATUS_PAGE=open")
port=18510
for v in "${VARIANTS[@]}"; do
    name="edgeproxy~${v%%=*}"
    VARIANT_NAMES+=("$name"); PORT[$name]=$port; ENV_OF[$name]="${v#*=}"
    port=$((port + 1))
done

# The .NET proxies load BenchTool's startup hook, which publishes GC.GetTotalAllocatedBytes every 250 ms for run_h1.
ALLOC_ENV=("DOTNET_STARTUP_HOOKS=$TOOL_DLL")

start_edge() { # name, admin port, extra args...
    local name="$1" adminport="$2"; shift 2
    local envs=() dll="$EDGE_DLL" e
    if [[ -n "${ENV_OF[$name]:-}" ]]; then IFS=';' read -r -a envs <<<"${ENV_OF[$name]}"; fi
    for e in "${!envs[@]}"; do [[ "${envs[$e]}" == DLL=* ]] && { dll="${envs[$e]#DLL=}"; unset 'envs[e]'; }; done
    # OPENSSL_CONF as the container sets it, to the openssl.cnf that build ships (a variant's own setting wins).
    local conf=()
    [[ -f "$(dirname "$dll")/openssl.cnf" ]] && conf=("OPENSSL_CONF=$(dirname "$dll")/openssl.cnf")
    local run=(dotnet "$dll")
    [[ "$dll" == *.dll ]] || run=("$dll") # a native executable: no startup hook, so no allocation figures
    start_bg "$name" env "${conf[@]}" "${envs[@]}" "${ALLOC_ENV[@]}" "BENCH_ALLOC_FILE=$WORK/raw/alloc-$name" "${run[@]}" --config edgeproxy.json \
        "Kestrel:Endpoints:Https:Url=https://127.0.0.1:${PORT[$name]}" "Kestrel:Endpoints:Http:Url=http://127.0.0.1:$((PORT[$name] + 100))" "EdgeProxy:Admin:Urls=http://127.0.0.1:$adminport" \
        "EdgeProxy:DataPath=data/$name" "$@"
}

start_proxy() { # name
    case "$1" in
        edgeproxy) start_edge edgeproxy 19901 ;;
        edgeproxy+log) start_edge edgeproxy+log 19902 "EdgeProxy:AccessLog:Enabled=true" ;;
        edgeproxy+json) start_edge edgeproxy+json 19900 "EdgeProxy:AccessLog:Enabled=true" "EdgeProxy:Console:Format=CompactJson" ;;
        edgeproxy~*) local i; for i in "${!VARIANT_NAMES[@]}"; do if [[ "${VARIANT_NAMES[$i]}" == "$1" ]]; then ADMIN_OF[$1]=$((19903 + i)); start_edge "$1" $((19903 + i)); fi; done ;;
        plain-yarp) start_bg plain-yarp env "${ALLOC_ENV[@]}" "BENCH_ALLOC_FILE=$WORK/raw/alloc-plain-yarp" dotnet "$YARP_DLL" --config plain-yarp.json ;;
        nginx) start_bg nginx nginx -p "$WORK/" -c "$WORK/nginx-proxy.conf" ;;
        haproxy) start_bg haproxy haproxy -db -f "$WORK/haproxy.cfg" ;;
        direct) return 0 ;;
    esac
}

# Headless Chromium on the status page of the edgeproxy~page row, once that proxy answers: the page's own script
# polls /status.json every 5 s, as an operator's open tab would. Its own process tree, so not in the row's CPU.
start_page_browser() { # proxy name
    [[ "$1" == edgeproxy~page ]] || return 0
    start_bg "$1-browser" chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
        --disable-background-networking --user-data-dir="$WORK/chromium-$1" "http://127.0.0.1:${ADMIN_OF[$1]}/"
    for _ in $(seq 1 100); do
        curl -s --max-time 1 "http://127.0.0.1:${ADMIN_OF[$1]}/status.json" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
}

stop_proxy() {
    [[ "$1" == direct ]] && return 0
    [[ -n "${PID_OF[$1-browser]:-}" ]] && stop_proxy "$1-browser"
    local pid="${PID_OF[$1]}" i
    stop_pid "$pid"
    for i in "${!PIDS[@]}"; do if [[ "${PIDS[$i]}" == "$pid" ]]; then unset 'PIDS[i]'; fi; done
    return 0
}

# ---------------------------------------------------------------------------------------------
# Measurements from /proc: CPU time (µs, the process and its child processes) and RSS (KB)
# ---------------------------------------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)
pid_tree() {
    local pid="$1" child
    echo "$pid"
    for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do pid_tree "$child"; done
}
measured_pid() { [[ "$1" == direct ]] && echo "${PID_OF[upstream]}" || echo "${PID_OF[$1]}"; }
cpu_us() {
    local total=0 p
    for p in $(pid_tree "$(measured_pid "$1")"); do
        total=$(( total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' /proc/"$p"/stat 2>/dev/null || echo 0) ))
    done
    echo $(( total * 1000000 / CLK_TCK ))
}
rss_kb() {
    local total=0 p
    for p in $(pid_tree "$(measured_pid "$1")"); do
        total=$(( total + $(awk '/^VmRSS:/ { print $2 }' /proc/"$p"/status 2>/dev/null || echo 0) ))
    done
    echo "$total"
}

alloc_bytes() { local f="$WORK/raw/alloc-$1"; [[ -f "$f" ]] && awk '{ print $1 }' "$f" || echo ""; }

sample() { # workload target round json-fields
    printf '{"workload":"%s","target":"%s","round":%s,%s}\n' "$1" "$2" "$3" "$4" >>"$SAMPLES"
}

# wrk's latency figures come with units; this turns them into milliseconds.
wrk_ms() { awk -v want="$1" '$1 == want { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } print v }' "$2"; }

url_of() { echo "https://127.0.0.1:${PORT[$1]}"; }

run_h1() { # target round
    local out="$WORK/raw/h1-$1-$2.txt" before after alloc_before alloc_after
    alloc_before=$(alloc_bytes "$1"); before=$(cpu_us "$1")
    timeout -k 2 $((H1_SECS + 20)) wrk -t2 -c32 -d"${H1_SECS}s" --latency "$(url_of "$1")/" >"$out" 2>&1 || true
    after=$(cpu_us "$1"); sleep 0.3; alloc_after=$(alloc_bytes "$1") # the hook writes every 250 ms
    local rps reqs errors
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out"); reqs=$(awk '/requests in/ { print $1 }' "$out")
    errors=$(awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$out")
    [[ -n "$rps" && "${reqs:-0}" -gt 0 ]] || { log "h1 $1: no result"; cat "$out" >&2; return 0; }
    [[ "$errors" == 0 ]] || log "h1 $1: $errors errors"
    local alloc=""
    [[ -n "$alloc_before" && -n "$alloc_after" ]] && alloc=",\"alloc_b\":$(( (alloc_after - alloc_before) / reqs ))"
    sample h1 "$1" "$2" "\"rps\":$rps,\"p50_ms\":$(wrk_ms 50% "$out"),\"p99_ms\":$(wrk_ms 99% "$out"),\"cpu_us\":$(( (after - before) / reqs ))$alloc"
    log "h1  $(printf '%-14s' "$1") round $2: $rps req/s, $(( (after - before) / reqs )) µs CPU/req"
}

run_h2() {
    local out="$WORK/raw/h2-$1-$2.txt" before after
    before=$(cpu_us "$1")
    timeout -k 2 $((H2_SECS + 20)) h2load -t1 -c16 -m10 -D "$H2_SECS" "$(url_of "$1")/" >"$out" 2>&1 || true
    after=$(cpu_us "$1")
    local rps done_ failed
    rps=$(awk '/^finished in/ { gsub(/,/, ""); print $4 }' "$out")
    done_=$(awk '/^requests:/ { print $8 }' "$out"); failed=$(awk '/^requests:/ { print $12 + $14 }' "$out")
    [[ -n "$rps" && "${done_:-0}" -gt 0 ]] || { log "h2 $1: no result"; tail -5 "$out" >&2; return 0; }
    [[ "${failed:-0}" == 0 ]] || log "h2 $1: $failed failed/errored"
    sample h2 "$1" "$2" "\"rps\":$rps,\"cpu_us\":$(( (after - before) / done_ ))"
    log "h2  $(printf '%-14s' "$1") round $2: $rps req/s"
}

run_tls() { # target round [workload openssl-flag]; full handshakes: openssl s_time -new never offers a session, two clients side by side
    local workload="${3:-tls}" out="$WORK/raw/${3:-tls}-$1-$2.txt" before after t0 t1 host
    host="127.0.0.1:${PORT[$1]}"
    before=$(cpu_us "$1"); t0=$(date +%s%N)
    local clients=() i
    for i in 1 2; do
        timeout -k 2 $((TLS_SECS + 20)) openssl s_time -connect "$host" -new ${4:-} -time "$TLS_SECS" -www / >"$out.$i" 2>&1 &
        clients+=("$!")
    done
    wait "${clients[@]}" || true
    t1=$(date +%s%N); after=$(cpu_us "$1")
    local conns
    conns=$(awk '/connections in .* real seconds/ { n += $1 } END { print n + 0 }' "$out".1 "$out".2)
    [[ "$conns" -gt 0 ]] || { log "$workload $1: no result"; tail -3 "$out".1 >&2; return 0; }
    local rate
    rate=$(awk -v n="$conns" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }')
    sample "$workload" "$1" "$2" "\"hs_per_s\":$rate,\"cpu_us_hs\":$(( (after - before) / conns ))"
    log "$workload $(printf '%-14s' "$1") round $2: $rate full handshakes/s, $(( (after - before) / conns )) µs CPU/handshake"
}

run_resume() { # a new connection per request as wrk makes it: it resumes the TLS session when the server allows
    local out="$WORK/raw/resume-$1-$2.txt" before after
    before=$(cpu_us "$1")
    timeout -k 2 $((TLS_SECS + 20)) wrk -t2 -c16 -d"${TLS_SECS}s" -H "Connection: close" "$(url_of "$1")/" >"$out" 2>&1 || true
    after=$(cpu_us "$1")
    local rps reqs
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out"); reqs=$(awk '/requests in/ { print $1 }' "$out")
    [[ -n "$rps" && "${reqs:-0}" -gt 0 ]] || { log "resume $1: no result"; cat "$out" >&2; return 0; }
    sample resume "$1" "$2" "\"hs_per_s\":$rps,\"cpu_us_hs\":$(( (after - before) / reqs ))"
    log "res $(printf '%-14s' "$1") round $2: $rps connections/s, $(( (after - before) / reqs )) µs CPU/connection"
}

run_sse() {
    local target="$1" url out="$WORK/raw/sse-$1-$2.json"
    url="$(url_of "$1")/sse"; [[ "$1" == direct ]] && url="https://127.0.0.1:18444/sse"
    timeout -k 2 $(( SSE_EVENTS * SSE_INTERVAL_MS / 1000 + 30 )) dotnet "$TOOL_DLL" sse --url "$url" --streams "$SSE_STREAMS" \
        --events "$SSE_EVENTS" --interval "$SSE_INTERVAL_MS" >"$out" 2>"$out.err" || log "sse $target: incomplete ($(cat "$out" "$out.err" | head -c 300))"
    [[ -s "$out" ]] || return 0
    local fields
    fields=$(jq -c '{p50_ms, p99_ms, max_ms, delivered_pct: (if .expected > 0 then (.delivered * 100 / .expected) else 0 end)}' "$out" | sed 's/^{//; s/}$//')
    sample sse "$target" "$2" "$fields"
    log "sse $(printf '%-14s' "$target") round $2: $(cat "$out")"
}

run_mem() { # target round; the proxy was started fresh for this round
    local target="$1" out="$WORK/raw/mem-$1-$2.txt" start before held opened i
    start=$(rss_kb "$target")
    before=$start
    timeout -k 2 $((WS_HOLD + 90)) dotnet "$TOOL_DLL" ws --url "wss://127.0.0.1:${PORT[$target]}/ws" --count "$WS_COUNT" --hold "$WS_HOLD" >"$out" 2>&1 &
    local client=$!
    PIDS+=("$client")
    for _ in $(seq 1 600); do grep -q '^opened' "$out" 2>/dev/null && break; kill -0 "$client" 2>/dev/null || break; sleep 0.1; done
    sleep 1
    held=$(rss_kb "$target")
    wait "$client" || true
    for i in "${!PIDS[@]}"; do if [[ "${PIDS[$i]}" == "$client" ]]; then unset 'PIDS[i]'; fi; done
    opened=$(awk '/^opened/ { print $2 }' "$out")
    [[ "${opened:-0}" -gt 0 ]] || { log "mem $target: no WebSocket opened"; cat "$out" >&2; return 0; }
    sample mem "$target" "$2" "\"rss_start_mb\":$(awk -v k="$start" 'BEGIN { printf "%.1f", k / 1024 }'),\"kb_per_ws\":$(awk -v a="$held" -v b="$before" -v n="$opened" 'BEGIN { printf "%.1f", (a - b) / n }'),\"ws_open\":$opened"
    log "mem $(printf '%-14s' "$target") round $2: start $((start / 1024)) MB, +$(( (held - before) / 1024 )) MB for $opened WebSockets"
}

# RSS of each fresh proxy at start, at the peak of a 64-connection keep-alive load (sampled every 0.5 s), and
# PEAK_IDLE_SECS after that load ended (each proxy's own clock: the loads run one after another, then each is read
# when its idle time is up).
run_peak() { # round; every proxy was started fresh for this round
    local round="$1" p start peak v w now
    declare -A START_OF=() PEAK_OF=() ENDED_AT=()
    for p in $(order_for_round "$round" "${PROXIES[@]}"); do
        start=$(rss_kb "$p"); peak=$start
        timeout -k 2 $((PEAK_SECS + 15)) wrk -t2 -c64 -d"${PEAK_SECS}s" "$(url_of "$p")/" >"$WORK/raw/peak-$p-$round.txt" 2>&1 &
        w=$!
        while kill -0 "$w" 2>/dev/null; do v=$(rss_kb "$p"); (( v > peak )) && peak=$v; sleep 0.5; done
        wait "$w" || true
        START_OF[$p]=$start; PEAK_OF[$p]=$peak; ENDED_AT[$p]=$(date +%s)
    done
    for p in $(order_for_round "$round" "${PROXIES[@]}"); do
        now=$(date +%s); (( now < ENDED_AT[$p] + PEAK_IDLE_SECS )) && sleep $(( ENDED_AT[$p] + PEAK_IDLE_SECS - now ))
        v=$(rss_kb "$p")
        sample peak "$p" "$round" "$(awk -v s="${START_OF[$p]}" -v k="${PEAK_OF[$p]}" -v i="$v" 'BEGIN { printf "\"rss_start_mb\":%.1f,\"rss_peak_mb\":%.1f,\"rss_idle_mb\":%.1f", s / 1024, k / 1024, i / 1024 }')"
        log "peak $(printf '%-14s' "$p") round $round: start $((START_OF[$p] / 1024)) MB, peak $((PEAK_OF[$p] / 1024)) MB, $((v / 1024)) MB after ${PEAK_IDLE_SECS}s idle"
    done
}

order_for_round() { # A B C ... then reversed on even rounds, so no target always runs first
    local round="$1"; shift
    if (( round % 2 == 1 )); then echo "$@"; else printf '%s\n' "$@" | tac | tr '\n' ' '; fi
}

wants() { [[ ",$WORKLOADS," == *",$1,"* ]]; }

# ---------------------------------------------------------------------------------------------
# Report (also written when the watchdog or Ctrl-C stops the run, from what was measured so far)
# ---------------------------------------------------------------------------------------------
write_report() {
    REPORTING=1
    COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    DIRTY="$(git -C "$ROOT" status --porcelain -- src bench 2>/dev/null | grep -q . && echo true || echo false)"
    jq -n --arg date "$STAMP" --arg commit "$COMMIT" --argjson dirty "$DIRTY" --arg mode "$([[ $QUICK == 1 ]] && echo quick || echo full)" \
        --argjson rounds "$ROUNDS" --arg cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" --argjson cores "$(nproc)" \
        --arg mem "$(awk '/^MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)" --arg kernel "$(uname -r)" \
        --arg dotnet "$(dotnet --version)" --arg nginx "$(nginx -v 2>&1 | sed 's/.*\///')" --arg haproxy "$(haproxy -v | awk 'NR == 1 { print $3 }')" \
        --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --arg load0 "$LOAD_AT_START" \
        --arg settings "wrk -t2 -c32 -d${H1_SECS}s; h2load -t1 -c16 -m10 -D ${H2_SECS}; 2 x openssl s_time -new -time ${TLS_SECS}; wrk -t2 -c16 -d${TLS_SECS}s Connection: close; SSE ${SSE_STREAMS} streams x ${SSE_EVENTS} events every ${SSE_INTERVAL_MS} ms; ${WS_COUNT} idle WebSockets$([[ ",$WORKLOADS," == *",peak,"* ]] && echo "; peak: wrk -t2 -c64 -d${PEAK_SECS}s, then ${PEAK_IDLE_SECS} s idle")" \
        '{date: $date, commit: $commit, dirty: $dirty, mode: $mode, rounds: $rounds, cpu: $cpu, cores: $cores, memory: $mem, kernel: $kernel, dotnet: $dotnet, nginx: $nginx, haproxy: $haproxy, load_at_start: $load0, load_at_end: $load, settings: $settings}' \
        >"$WORK/meta.json"
    RESULT="$BENCH/results/$STAMP-$([[ $QUICK == 1 ]] && echo quick || echo full)"
    [[ "$WORKLOADS" == "h1,h2,tls,resume,sse,mem" && ${#VARIANTS[@]} == 0 ]] || RESULT="$RESULT-partial"
    cp "$SAMPLES" "$RESULT.samples.jsonl"
    echo
    dotnet "$TOOL_DLL" report --samples "$SAMPLES" --meta "$WORK/meta.json" --json "$RESULT.json" --markdown "$RESULT.md"
    log "done in $(( $(date +%s) - START_EPOCH ))s; results in ${RESULT#"$ROOT"/}.{json,md,samples.jsonl}"
}

# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------
# The watchdog's sleep is its own child and is ended with it, so nothing outlives the run.
( trap 'kill "$nap" 2>/dev/null; exit 0' TERM; sleep "$LIMIT" & nap=$!; wait "$nap" && { log "time limit ${LIMIT}s reached, stopping"; kill -TERM $$; } ) &
WATCHDOG=$!

PROXIES=(edgeproxy plain-yarp nginx haproxy "${VARIANT_NAMES[@]}")
start_upstreams

wait_proxy() { [[ "$1" == direct ]] || { wait_http "$(url_of "$1")/" "$1" && start_page_browser "$1"; }; }

ALL=(direct edgeproxy plain-yarp nginx haproxy "${VARIANT_NAMES[@]}")
[[ $LOG_ROW == 1 ]] && ALL=(direct edgeproxy edgeproxy+log edgeproxy+json plain-yarp nginx haproxy "${VARIANT_NAMES[@]}")
if wants h1 || wants h2 || wants tls || wants tls12 || wants resume || wants sse; then
    for p in "${ALL[@]}"; do start_proxy "$p"; done
    for p in "${ALL[@]}"; do wait_proxy "$p"; done
    log "warming up (.NET proxies ${WARM_SECS}s each: JIT and tiered PGO settle)"
    for p in "${ALL[@]}"; do
        secs=1; [[ "$p" == edgeproxy* || "$p" == plain-yarp ]] && secs=$WARM_SECS
        timeout -k 2 $((secs + 15)) wrk -t2 -c32 -d"${secs}s" "$(url_of "$p")/" >/dev/null 2>&1 || true
        # HTTP/2's own Kestrel paths (HPACK, streams, flow control) tier up separately: from cold, both .NET
        # proxies need 15-20 s of h2load to reach their steady rate, so they get half the warm-up again on h2.
        h2secs=1; [[ "$p" == edgeproxy* || "$p" == plain-yarp ]] && h2secs=$(( (WARM_SECS + 1) / 2 ))
        [[ $QUICK == 1 ]] || timeout -k 2 $((h2secs + 20)) h2load -t1 -c16 -m10 -D "$h2secs" "$(url_of "$p")/" >/dev/null 2>&1 || true
    done
    for round in $(seq 1 "$ROUNDS"); do
        if wants h1; then for p in $(order_for_round "$round" "${ALL[@]}"); do run_h1 "$p" "$round"; done; fi
        # The access-log rows are priced on HTTP/1.1 only.
        if wants h2; then for p in $(order_for_round "$round" "${ALL[@]}"); do [[ "$p" == edgeproxy+* ]] || run_h2 "$p" "$round"; done; fi
        if wants tls; then for p in $(order_for_round "$round" "${ALL[@]}"); do [[ "$p" == edgeproxy+* ]] || run_tls "$p" "$round"; done; fi
        if wants tls12; then for p in $(order_for_round "$round" "${ALL[@]}"); do [[ "$p" == edgeproxy+* ]] || run_tls "$p" "$round" tls12 -tls1_2; done; fi
        if wants resume; then for p in $(order_for_round "$round" "${ALL[@]}"); do [[ "$p" == edgeproxy+* ]] || run_resume "$p" "$round"; done; fi
        if wants sse && (( round <= SSE_ROUNDS )); then for p in $(order_for_round "$round" "${ALL[@]}"); do [[ "$p" == edgeproxy+* ]] || run_sse "$p" "$round"; done; fi
    done
fi

# The long-lived proxies go before the memory phase starts its own fresh ones.
if [[ ${#ALL[@]} -gt 0 ]] && (wants h1 || wants h2 || wants tls || wants tls12 || wants resume || wants sse); then
    for p in "${ALL[@]}"; do stop_proxy "$p"; done
fi

if wants mem; then
    # Memory last (the slowest phase; if the watchdog stops a loaded machine's run, it cuts this).
    # Each round starts every proxy fresh, so "at start" is the RSS after one request.
    for round in $(seq 1 "$MEM_ROUNDS"); do
        for p in "${PROXIES[@]}"; do start_proxy "$p"; done
        for p in "${PROXIES[@]}"; do wait_proxy "$p"; done
        sleep 1
        for p in $(order_for_round "$round" "${PROXIES[@]}"); do run_mem "$p" "$round"; done
        for p in "${PROXIES[@]}"; do stop_proxy "$p"; done
    done
fi

if wants peak; then
    for round in $(seq 1 "$MEM_ROUNDS"); do
        for p in "${PROXIES[@]}"; do start_proxy "$p"; done
        for p in "${PROXIES[@]}"; do wait_proxy "$p"; done
        sleep 1
        run_peak "$round"
        for p in "${PROXIES[@]}"; do stop_proxy "$p"; done
    done
fi

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
write_report
