#!/usr/bin/env bash
# What the access log costs, without the spread between processes: one EdgeProxy per console format (text, compact
# JSON), each with its access log switched on and off by a configuration reload between fixed-count rounds, so every
# on/off pair is the same process with the same JIT'd code. Two instances of one build differ by 2-5 % in CPU per
# request (bench/README.md), as much as the access log's target; within one process the pairs read the log alone.
#
#   bench/log-toggle.sh [--rounds N] [--requests N] [--h2] [--dll PATH]
#
# --dll runs another build (e.g. a copy of src/EdgeProxy/bin/Release/net10.0 taken before a change), with the
# openssl.cnf next to it.
# Each round, for each format, in alternating order: the log on, then off (or off, then on), 2.5 s for the reload,
# then exactly N requests (h2load --h1 -c32, default 60,000; --h2: -c16 -m10), the process's CPU from /proc.
# Checks that an "on" round wrote one line per request and an "off" round none. Prints CPU µs per request per round
# (and, from builds whose console writes on a thread of its own, that thread's share: the "writer" column, µs per
# request, - where there is none), the on/off ratio per round and the median ratio per format, also kept in
# bench/results/logtoggle-<time>.txt.
# Loopback only, ports 18080, 18511-18512, 18611-18612,
# 19911-19912; every process it starts is stopped on exit. About 30 s per round, after 15 s of warm-up per process.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
ROUNDS=8
REQUESTS=60000
H2=0
DLL="$ROOT/src/EdgeProxy/bin/Release/net10.0/EdgeProxy.dll"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) ROUNDS="$2"; shift ;;
        --requests) REQUESTS="$2"; shift ;;
        --h2) H2=1 ;;
        --dll) DLL="$(realpath "$2")"; shift ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done

for tool in nginx h2load curl jq; do command -v "$tool" >/dev/null || { echo "$tool is missing: run bench/run.sh once (it installs it)" >&2; exit 1; }; done

WORK="$(mktemp -d /tmp/edgeproxy-logtoggle.XXXXXX)"
mkdir -p "$WORK/certs" "$WORK/logs"
# shellcheck source=setup.sh
source "$BENCH/setup.sh" src/EdgeProxy

FORMATS=(Text CompactJson)
declare -A PID PORT

settings() { # format, true|false: the bench's EdgeProxy config with the log and format set, swapped in whole
    jq --arg format "$1" --argjson on "$2" '.EdgeProxy.AccessLog.Enabled = $on | .EdgeProxy.Console = { Format: $format }' \
        "$WORK/edgeproxy.json" >"$WORK/log-$1.json.new"
    mv "$WORK/log-$1.json.new" "$WORK/log-$1.json"
}

load() { # port, requests
    if [[ $H2 == 1 ]]; then h2load -t1 -c16 -m10 -n "$2" "https://127.0.0.1:$1/"; else h2load --h1 -t2 -c32 -n "$2" "https://127.0.0.1:$1/"; fi
}

i=0
for format in "${FORMATS[@]}"; do
    port=$((18511 + i)); PORT[$format]=$port
    # edgeproxy.json has comments: jq reads it once it has none
    [[ -f "$WORK/edgeproxy.json.clean" ]] || { grep -v '^\s*//' "$WORK/edgeproxy.json" >"$WORK/edgeproxy.json.clean"; mv "$WORK/edgeproxy.json.clean" "$WORK/edgeproxy.json"; }
    settings "$format" true
    (cd "$WORK" && exec env "OPENSSL_CONF=$(dirname "$DLL")/openssl.cnf" dotnet "$DLL" \
        --config "log-$format.json" "Kestrel:Endpoints:Https:Url=https://127.0.0.1:$port" "Kestrel:Endpoints:Http:Url=http://127.0.0.1:$((port + 100))" \
        "EdgeProxy:Admin:Urls=http://127.0.0.1:$((port + 1400))" "EdgeProxy:DataPath=data/log-$format") >"$WORK/logs/$format.log" 2>&1 &
    PID[$format]=$!; PIDS+=("$!")
    i=$((i + 1))
done
for format in "${FORMATS[@]}"; do
    for _ in $(seq 1 150); do curl -sk -o /dev/null "https://127.0.0.1:${PORT[$format]}/" && break; sleep 0.2; done
    # warm, the log on: from a cold start the .NET proxies need 15-20 s of load before JIT and tiered PGO settle
    if [[ $H2 == 1 ]]; then h2load -t1 -c16 -m10 -D 15 "https://127.0.0.1:${PORT[$format]}/"; else h2load --h1 -t2 -c32 -D 15 "https://127.0.0.1:${PORT[$format]}/"; fi >/dev/null 2>&1
done

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime, 1/100 s
writer_ticks() { # the console writer thread's utime + stime (BatchedConsoleSink.ThreadName), or nothing
    local task
    for task in /proc/"$1"/task/*; do
        [[ "$(cat "$task/comm" 2>/dev/null)" == edgeproxy-log ]] && { awk '{ print $14 + $15 }' "$task/stat"; return 0; }
    done
    return 0
}
echo "round format log cpu_us_per_request lines writer_us_per_request"
for round in $(seq 1 "$ROUNDS"); do
    order=(true false); (( round % 2 == 0 )) && order=(false true)
    for format in "${FORMATS[@]}"; do
        for on in "${order[@]}"; do
            settings "$format" "$on"; sleep 2.5
            lines=$(wc -l <"$WORK/logs/$format.log"); before=$(ticks "${PID[$format]}"); wbefore=$(writer_ticks "${PID[$format]}")
            load "${PORT[$format]}" "$REQUESTS" 2>&1 | grep -q "$REQUESTS succeeded" || { echo "round $round $format: not every request succeeded" >&2; exit 1; }
            after=$(ticks "${PID[$format]}"); sleep 0.3; wafter=$(writer_ticks "${PID[$format]}")
            written=$(( $(wc -l <"$WORK/logs/$format.log") - lines ))
            expected=$([[ $on == true ]] && echo "$REQUESTS" || echo 0)
            (( written >= expected && written <= expected + 5 )) || { echo "round $round $format log=$on: $written lines written, expected $expected (did the reload happen?)" >&2; exit 1; }
            writer=-; [[ -n "$wbefore" && -n "$wafter" ]] && writer=$(awk -v t=$((wafter - wbefore)) -v n="$REQUESTS" 'BEGIN { printf "%.2f", t * 10000 / n }')
            echo "$round $format $([[ $on == true ]] && echo on || echo off) $(awk -v t=$((after - before)) -v n="$REQUESTS" 'BEGIN { printf "%.1f", t * 10000 / n }') $written $writer"
        done
    done
done | tee "$WORK/rounds.txt"
OUT="$BENCH/results/logtoggle-$(date -u +%Y%m%dT%H%M%SZ).txt"

for format in "${FORMATS[@]}"; do
    awk -v f="$format" '$2 == f && $3 == "on" { on[$1] = $4 } $2 == f && $3 == "off" { off[$1] = $4 }
        END { for (r in off) if (off[r] > 0 && (r in on)) printf "%.3f\n", on[r] / off[r] }' "$WORK/rounds.txt" | sort -n |
        awk -v f="$format" '{ ratio[NR] = $1; line = line " " $1 }
            END { printf "%s: on/off per round (sorted)%s; median %.3f\n", f, line, (NR % 2 ? ratio[(NR + 1) / 2] : (ratio[NR / 2] + ratio[NR / 2 + 1]) / 2) }'
done | tee "$WORK/summary.txt"
{ echo "bench/log-toggle.sh, $(git -C "$ROOT" rev-parse --short HEAD), $DLL, $ROUNDS rounds of $REQUESTS requests ($([[ $H2 == 1 ]] && echo HTTP/2 || echo HTTP/1.1)), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
  cat "$WORK/rounds.txt" "$WORK/summary.txt"; } >"$OUT"
echo "kept in $OUT"
