#!/usr/bin/env bash
# System calls per proxied request: EdgeProxy as shipped (access log on, written to a redirected stdout as in a
# container), EdgeProxy with the log off, plain YARP and nginx, over a fixed number of keep-alive requests.
#
#   bench/syscalls.sh [--requests N] [--h2]
#
# Each proxy is started fresh, warmed for 8 s (wrk; h2load with --h2), then `strace -f -c` is attached to it (to
# nginx's worker processes) while h2load sends exactly N requests (default 20,000; --h1 -c32 for HTTP/1.1, -c16 -m10
# with --h2). Calls ÷ N is the figure; strace slows the proxy down, not what it calls. Prints a markdown table
# (the busiest calls and the total per target) and keeps strace's own summaries in bench/results/syscalls-<time>/.
# Loopback only, ports 18080 and 18501–18504 (refused when in use); every process it starts is stopped on exit.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
REQUESTS=20000
H2=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --requests) REQUESTS="$2"; shift ;;
        --h2) H2=1 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done

for tool in nginx:nginx wrk:wrk h2load:nghttp2-client strace:strace curl:curl; do
    if ! command -v "${tool%%:*}" >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tool#*:}" >/dev/null || { echo "${tool%%:*} is missing" >&2; exit 1; }
    fi
done
for port in 18080 18501 18502 18503 18504; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port 127.0.0.1:$port is in use; a bench run?" >&2; exit 1; fi
done

OUT="$BENCH/results/syscalls-$(date -u +%Y%m%dT%H%M%SZ)$([[ $H2 == 1 ]] && echo -h2 || true)"
WORK="$(mktemp -d /tmp/edgeproxy-syscalls.XXXXXX)"
mkdir -p "$OUT" "$WORK/certs" "$WORK/logs"
# shellcheck source=setup.sh
source "$BENCH/setup.sh" src/EdgeProxy bench/PlainYarp

load() { # url, output; exactly $REQUESTS requests
    if [[ $H2 == 1 ]]; then h2load -t1 -c16 -m10 -n "$REQUESTS" "$1" >"$2" 2>&1; else h2load --h1 -t1 -c32 -m1 -n "$REQUESTS" "$1" >"$2" 2>&1; fi
}

measure() { # name, port, command...
    local name="$1" port="$2"; shift 2
    (cd "$WORK" && exec "$@") >"$WORK/logs/$name.log" 2>&1 &
    local pid=$! targets=()
    PIDS+=("$pid")
    for _ in $(seq 1 150); do curl -sk -o /dev/null "https://127.0.0.1:$port/" && break; sleep 0.2; done
    if [[ $H2 == 1 ]]; then h2load -t1 -c16 -m10 -D 8 "https://127.0.0.1:$port/" >/dev/null 2>&1; else wrk -t2 -c32 -d8s "https://127.0.0.1:$port/" >/dev/null; fi
    if [[ "$name" == nginx ]]; then
        mapfile -t targets < <(ps -o pid= --ppid "$pid" | awk '{ print "-p"; print $1 }') # the workers serve, the master waits
    else
        targets=(-p "$pid")
    fi
    strace -f -c -o "$OUT/$name.strace" "${targets[@]}" &
    local tracer=$!
    sleep 1 # strace attaches to every thread before the load starts
    load "https://127.0.0.1:$port/" "$OUT/$name-load.txt"
    kill -INT "$tracer"; wait "$tracer" 2>/dev/null || true
    kill "$pid"; wait "$pid" 2>/dev/null || true
    grep -q "succeeded, 0 errored" "$OUT/$name-load.txt" || grep -q "$REQUESTS succeeded" "$OUT/$name-load.txt" \
        || echo "warning: $name: not every request succeeded: $(grep -m1 '^requests:' "$OUT/$name-load.txt")" >&2
    # strace -c: "% time  seconds  usecs/call  calls  errors syscall"; per request, one line per call
    awk -v n="$REQUESTS" -v who="$name" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { calls = $4; sc = $NF; printf "%s\t%s\t%.3f\n", who, sc, calls / n }' "$OUT/$name.strace" >"$OUT/$name.tsv"
}

measure edgeproxy+log 18501 "${EDGE[@]}" EdgeProxy:AccessLog:Enabled=true
measure edgeproxy 18501 "${EDGE[@]}"
measure plain-yarp 18503 dotnet "$ROOT/bench/PlainYarp/bin/Release/net10.0/PlainYarp.dll" --config plain-yarp.json
measure nginx 18504 nginx -p "$WORK/" -c "$WORK/nginx-proxy.conf"

{
    echo "System calls per request, $([[ $H2 == 1 ]] && echo "HTTP/2 (h2load -c16 -m10)" || echo "HTTP/1.1 keep-alive (h2load --h1 -c32)"), $REQUESTS requests each ($(basename "$OUT")):"
    echo
    echo "| call | edgeproxy+log | edgeproxy | plain-yarp | nginx |"
    echo "|---|---|---|---|---|"
    cat "$OUT"/*.tsv | awk -F'\t' '
        { v[$1 "\t" $2] = $3; total[$1] += $3; seen[$2] += $3 }
        END {
            split("edgeproxy+log edgeproxy plain-yarp nginx", who, " ")
            for (s in seen) if (seen[s] >= 0.05) printf "%.3f\t| %s | %.2f | %.2f | %.2f | %.2f |\n", seen[s], s, v[who[1] "\t" s], v[who[2] "\t" s], v[who[3] "\t" s], v[who[4] "\t" s]
            printf "-1\t| **total** | **%.2f** | **%.2f** | **%.2f** | **%.2f** |\n", total[who[1]], total[who[2]], total[who[3]], total[who[4]]
        }' | sort -t $'\t' -k1,1 -rn | cut -f2-
} | tee "$OUT/table.md"
