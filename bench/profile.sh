#!/usr/bin/env bash
# Where EdgeProxy's time and allocations go on the HTTP/1.1 keep-alive load (or HTTP/2 with --h2), next to
# plain YARP's.
#
#   bench/profile.sh [--seconds N] [--h2] [--requests N] [-- EdgeProxy config overrides, e.g. EdgeProxy:AccessLog:Enabled=true]
#
# Starts the bench's nginx upstream, then for each of EdgeProxy and plain YARP: warms it for 8 s, records 6 s
# of load (wrk -t2 -c32, or h2load -t1 -c16 -m10 with --h2) with dotnet-trace (gc-verbose: allocation samples
# with call stacks) and, when perf is installed, a fixed number of requests (h2load, 120,000 by default) under
# perf (JIT frames named through DOTNET_PerfMapEnabled). Prints bytes per request by type (EdgeProxy beyond plain
# YARP), perf's top symbols, CPU µs per request from perf's samples, and the symbols where EdgeProxy spends more
# self time per request; keeps the traces in bench/results/profile-<time>/. Installs dotnet-trace (dotnet tool)
# when missing. Loopback only, ports 18080 and 18501/18503; every process it starts is stopped on exit.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
SECONDS_TRACED=6
H2=0
PERF_REQUESTS=120000
while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) SECONDS_TRACED="$2"; shift ;;
        --h2) H2=1 ;;
        --requests) PERF_REQUESTS="$2"; shift ;;
        --) shift; break ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done
OVERRIDES=("$@")

for tool in nginx wrk h2load curl; do command -v "$tool" >/dev/null || { echo "$tool is missing: run bench/run.sh once (it installs it)" >&2; exit 1; }; done
TRACE_TOOL="$(command -v dotnet-trace || echo "$HOME/.dotnet/tools/dotnet-trace")"
[[ -x "$TRACE_TOOL" ]] || dotnet tool install --global dotnet-trace >/dev/null

OUT="$BENCH/results/profile-$(date -u +%Y%m%dT%H%M%SZ)"
WORK="$(mktemp -d /tmp/edgeproxy-profile.XXXXXX)"
mkdir -p "$OUT" "$WORK/certs" "$WORK/logs"
# shellcheck source=setup.sh
source "$BENCH/setup.sh" src/EdgeProxy bench/PlainYarp bench/BenchTool

load() { # url, seconds, output file
    if [[ $H2 == 1 ]]; then h2load -t1 -c16 -m10 -D "$2" "$1" >"$3" 2>&1; else wrk -t2 -c32 -d"$2"s "$1" >"$3"; fi
}
rate() { # the load's output file -> requests per second
    if [[ $H2 == 1 ]]; then awk '/^finished in/ { gsub(",", ""); print $4 }' "$1"; else awk '/Requests\/sec/ { print $2 }' "$1"; fi
}

profile() { # name, port, command...
    local name="$1" port="$2"; shift 2
    (cd "$WORK" && DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 exec "$@") >"$WORK/logs/$name.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    for _ in $(seq 1 150); do curl -sk -o /dev/null "https://127.0.0.1:$port/" && break; sleep 0.2; done
    load "https://127.0.0.1:$port/" 8 /dev/null
    load "https://127.0.0.1:$port/" $((SECONDS_TRACED + 3)) "$OUT/$name-load.txt" &
    local running=$!
    sleep 1
    "$TRACE_TOOL" collect -p "$pid" --profile gc-verbose --duration "00:00:00:$(printf '%02d' "$SECONDS_TRACED")" -o "$OUT/$name.nettrace" >"$WORK/logs/$name-trace.log" 2>&1
    wait "$running"
    if command -v perf >/dev/null; then
        # A fixed number of requests (h2load, --h1 for HTTP/1.1) under perf: samples / requests is the proxy's CPU per
        # request, steadier than any req/s figure on a shared VM. The sample rate is 1999 Hz per busy thread.
        local args=(-t1 -c16 -m10)
        [[ $H2 == 1 ]] || args=(--h1 -t1 -c32 -m1)
        perf record -F 1999 -g -p "$pid" -o "$OUT/$name.perf" -- h2load "${args[@]}" -n "$PERF_REQUESTS" "https://127.0.0.1:$port/" >"$OUT/$name-perf-load.txt" 2>&1 || true
        local samples
        samples=$(perf script -i "$OUT/$name.perf" -F period 2>/dev/null | wc -l)
        awk -v s="$samples" -v n="$PERF_REQUESTS" 'BEGIN { printf "%.2f", s / 1999 * 1e6 / n }' >"$OUT/$name-us-per-request.txt"
        perf report -i "$OUT/$name.perf" --no-children -g none --sort sym 2>/dev/null | grep -v '^#' | grep -v '^$' | head -25 >"$OUT/$name-perf-top.txt" || true
        # self time per symbol in µs per request, for the comparison below
        perf report -i "$OUT/$name.perf" --no-children -g none --sort sym 2>/dev/null | grep -v '^#' | grep -v '^$' \
            | awk -v t="$(cat "$OUT/$name-us-per-request.txt")" '{ p = $1; sub("%", "", p); $1 = ""; $2 = ""; sub(/^ +/, ""); gsub(/\[OptimizedTier1\]|instance |class |valuetype /, ""); printf "%s\t%.3f\n", $0, p / 100 * t }' \
            | sort -t $'\t' -k1,1 >"$OUT/$name-self.tsv"
    fi
    kill "$pid"; wait "$pid" 2>/dev/null || true
    # requests during the traced seconds, from the load's rate
    awk -v r="$(rate "$OUT/$name-load.txt")" -v s="$SECONDS_TRACED" 'BEGIN { printf "%d", r * s }'
}

# CPU by component under perf: JIT frames by the assembly and namespace of the method's type, native code by its
# library, kernel frames together. Prints "share%  µs/request  component" for one recording.
components() { # perf data file, µs per request
    perf report -i "$1" --no-children -g none --sort dso,sym --stdio -F overhead,dso,sym 2>/dev/null | python3 -c '
import re, sys, collections
us = float(sys.argv[1])
rules = [("System.Net.Http", "upstream client (SocketsHttpHandler)"), ("Microsoft.AspNetCore.Server.Kestrel", "Kestrel (with its pipes)"),
         ("System.IO.Pipelines", "Kestrel (with its pipes)"), ("System.Net.Security", "SslStream"), ("System.Net.Sockets", "sockets, managed"),
         ("Yarp.", "YARP"), ("EdgeProxy", "EdgeProxy"), ("Serilog", "logging"), ("OpenTelemetry", "telemetry"), ("System.Diagnostics", "telemetry"),
         ("Microsoft.AspNetCore", "ASP.NET Core, other"), ("System.Threading", "thread pool and tasks"), ("System.Runtime.CompilerServices", "thread pool and tasks")]
share = collections.Counter()
for line in sys.stdin:
    m = re.match(r"\s*([\d.]+)%\s+(.+?)\s+\[(.)\]\s+(.*)", line)
    if not m:
        continue
    pct, dso, kind, sym = float(m.group(1)), m.group(2), m.group(3), m.group(4)
    if kind == "k": k = "kernel"
    elif "libcrypto" in dso or "libssl" in dso: k = "OpenSSL"
    elif "libcoreclr" in dso or "libclrjit" in dso: k = "runtime (GC, stubs, JIT)"
    elif dso.startswith("libc") or "ld-linux" in dso: k = "libc"
    elif dso.startswith("libSystem"): k = "runtime native shims"
    elif "JIT" not in dso: k = "managed, ReadyToRun (unresolved)"
    else:
        t = re.search(r"\[([A-Za-z0-9_.]+)\] ([A-Za-z0-9_.`/]+)::", sym)
        key = (t.group(1) + " " + t.group(2)) if t else sym
        k = next((name for pattern, name in rules if pattern in key), "other managed (CoreLib)")
    share[k] += pct
total = sum(share.values()) or 1
for k, v in share.most_common():
    print(f"{v / total * 100:6.1f}%  {v / total * us:7.2f} µs  {k}")
' "$2"
}

edge_requests=$(profile edgeproxy 18501 "${EDGE[@]}" "${OVERRIDES[@]}")
yarp_requests=$(profile plain-yarp 18503 dotnet "$ROOT/bench/PlainYarp/bin/Release/net10.0/PlainYarp.dll" --config plain-yarp.json)
dotnet "$ROOT/bench/BenchTool/bin/Release/net10.0/BenchTool.dll" alloc --trace "$OUT/edgeproxy.nettrace" --requests "$edge_requests" \
    --baseline "$OUT/plain-yarp.nettrace" --baseline-requests "$yarp_requests" | tee "$OUT/alloc.txt"
for name in edgeproxy plain-yarp; do
    [[ -s "$OUT/$name-perf-top.txt" ]] && { echo; echo "perf, $name:"; cat "$OUT/$name-perf-top.txt"; }
done
if [[ -s "$OUT/edgeproxy-us-per-request.txt" && -s "$OUT/plain-yarp-us-per-request.txt" ]]; then
    edge_us=$(cat "$OUT/edgeproxy-us-per-request.txt"); yarp_us=$(cat "$OUT/plain-yarp-us-per-request.txt")
    echo
    echo "CPU per request under perf ($PERF_REQUESTS requests each, $([[ $H2 == 1 ]] && echo HTTP/2 || echo HTTP/1.1)): edgeproxy $edge_us µs, plain-yarp $yarp_us µs, ratio $(awk -v a="$edge_us" -v b="$yarp_us" 'BEGIN { printf "%.3f", a / b }')"
    for name in edgeproxy plain-yarp; do
        echo "CPU by component, $name:"; components "$OUT/$name.perf" "$(cat "$OUT/$name-us-per-request.txt")" | tee "$OUT/$name-components.txt"
    done
    echo "where EdgeProxy spends more (self µs per request: extra, edgeproxy, plain-yarp):"
    join -t $'\t' -a1 -a2 -e 0 -o 0,1.2,2.2 "$OUT/edgeproxy-self.tsv" "$OUT/plain-yarp-self.tsv" 2>/dev/null \
        | awk -F'\t' '{ printf "%7.2f %7.2f %7.2f  %s\n", $2 - $3, $2, $3, substr($1, 1, 150) }' | sort -rn | head -25
fi
echo "traces kept in $OUT (BenchTool alloc --trace ... --type T shows who allocates T)"
