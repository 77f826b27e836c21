#!/usr/bin/env bash
# What the access log costs, without the spread between processes: one EdgeProxy per console format (text, compact
# JSON), each with its access log switched on and off by a configuration reload between fixed-count rounds, so every
# on/off pair is the same process with the same JIT'd code. Two instances of one build differ by 2-5 % in CPU per
# request (bench/README.md), as much as the access log's target; within one process the pairs read the log alone.
#
#   bench/log-toggle.sh [--rounds N] [--requests N] [--h2] [--concurrent] [--dll PATH] [--env VAR=VALUE ...]
#
# --dll runs another build (e.g. a copy of src/EdgeProxy/bin/Release/net10.0 taken before a change), with the
# openssl.cnf next to it. --env sets an environment variable for every process (repeatable).
# Each round, for each format, in alternating order: the log on, then off (or off, then on), 2.5 s for the reload,
# then exactly N requests (h2load --h1 -c32, default 60,000; --h2: -c16 -m10), the process's CPU from /proc.
# --concurrent: the machine's own speed drifts by 10-30 % between consecutive 6-s loads on a shared VM, more than a
# sequential on/off pair can tell apart. Here two processes per format take their loads at the same time (half the
# connections each), one with the log on and one off, and swap roles every round: both halves of a pair see the same
# machine, and the difference between the two processes cancels over a pair of rounds (the geometric mean of its two
# on/off ratios, "pairs" in the summary).
# Checks that an "on" round wrote one line per request and an "off" round none. Prints CPU µs per request per round
# (and, from builds whose console writes on a thread of its own, that thread's share: the "writer" column, µs per
# request, - where there is none), the on/off ratio per round and the median ratio per format, also kept in
# bench/results/logtoggle-<time>.txt.
# Loopback only, ports 18080, 18511-18514, 18611-18614, 19911-19914; every process it starts is stopped on exit.
# About 30 s per round (--concurrent: 20 s), after 15 s of warm-up per process.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
ROUNDS=8
REQUESTS=60000
H2=0
CONCURRENT=0
ENVS=()
DLL="$ROOT/src/EdgeProxy/bin/Release/net10.0/EdgeProxy.dll"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) ROUNDS="$2"; shift ;;
        --requests) REQUESTS="$2"; shift ;;
        --h2) H2=1 ;;
        --concurrent) CONCURRENT=1 ;;
        --dll) DLL="$(realpath "$2")"; shift ;;
        --env) ENVS+=("$2"); shift ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
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
declare -A PID PORT FORMAT_OF
INSTANCES=() # per format: the format's name, or (--concurrent) two: NAME-a and NAME-b
for format in "${FORMATS[@]}"; do
    if [[ $CONCURRENT == 1 ]]; then INSTANCES+=("$format-a" "$format-b"); FORMAT_OF[$format-a]=$format; FORMAT_OF[$format-b]=$format
    else INSTANCES+=("$format"); FORMAT_OF[$format]=$format; fi
done

settings() { # instance, true|false: the bench's EdgeProxy config with the log and the instance's format set, swapped in whole
    jq --arg format "${FORMAT_OF[$1]}" --argjson on "$2" '.EdgeProxy.AccessLog.Enabled = $on | .EdgeProxy.Console = { Format: $format }' \
        "$WORK/edgeproxy.json" >"$WORK/log-$1.json.new"
    mv "$WORK/log-$1.json.new" "$WORK/log-$1.json"
}

load() { # port, requests; --concurrent: two at once, half the connections each
    local c=$((32 / (CONCURRENT + 1))) t=$((2 / (CONCURRENT + 1)))
    if [[ $H2 == 1 ]]; then h2load -t1 -c$((16 / (CONCURRENT + 1))) -m10 -n "$2" "https://127.0.0.1:$1/"; else h2load --h1 -t$t -c$c -n "$2" "https://127.0.0.1:$1/"; fi
}

# edgeproxy.json has comments: jq reads it once it has none
grep -v '^\s*//' "$WORK/edgeproxy.json" >"$WORK/edgeproxy.json.clean"; mv "$WORK/edgeproxy.json.clean" "$WORK/edgeproxy.json"
i=0
for instance in "${INSTANCES[@]}"; do
    port=$((18511 + i)); PORT[$instance]=$port
    settings "$instance" true
    start_edgeproxy "$instance" "$port" "$DLL" "log-$instance.json" "${ENVS[@]}"
    PID[$instance]=$STARTED
    i=$((i + 1))
done
for instance in "${INSTANCES[@]}"; do
    for _ in $(seq 1 150); do curl -sk -o /dev/null "https://127.0.0.1:${PORT[$instance]}/" && break; sleep 0.2; done
    # warm, the log on: from a cold start the .NET proxies need 15-20 s of load before JIT and tiered PGO settle
    if [[ $H2 == 1 ]]; then h2load -t1 -c16 -m10 -D 15 "https://127.0.0.1:${PORT[$instance]}/"; else h2load --h1 -t2 -c32 -D 15 "https://127.0.0.1:${PORT[$instance]}/"; fi >/dev/null 2>&1
done

measure() { # round, format, then instance:on pairs: their loads at the same time, one line each
    local round=$1 format=$2 instance on; shift 2
    local -A lines before wbefore on_of
    for pair in "$@"; do
        instance=${pair%%:*}; on_of[$instance]=${pair#*:}
        lines[$instance]=$(wc -l <"$WORK/logs/$instance.log"); before[$instance]=$(ticks "${PID[$instance]}"); wbefore[$instance]=$(writer_ticks "${PID[$instance]}")
    done
    local loads=()
    for instance in "${!on_of[@]}"; do
        { load "${PORT[$instance]}" "$REQUESTS" 2>&1 | grep -q "$REQUESTS succeeded" || { echo "round $round $instance: not every request succeeded" >&2; exit 1; }; } &
        loads+=("$!")
    done
    for pid in "${loads[@]}"; do wait "$pid" || exit 1; done
    local -A after
    for instance in "${!on_of[@]}"; do after[$instance]=$(ticks "${PID[$instance]}"); done
    sleep 0.3
    for instance in "${!on_of[@]}"; do
        on=${on_of[$instance]}
        local wafter written expected writer
        wafter=$(writer_ticks "${PID[$instance]}")
        written=$(( $(wc -l <"$WORK/logs/$instance.log") - lines[$instance] ))
        expected=$([[ $on == true ]] && echo "$REQUESTS" || echo 0)
        (( written >= expected && written <= expected + 5 )) || { echo "round $round $instance log=$on: $written lines written, expected $expected (did the reload happen?)" >&2; exit 1; }
        writer=-; [[ -n "${wbefore[$instance]}" && -n "$wafter" ]] && writer=$(awk -v t=$((wafter - wbefore[$instance])) -v n="$REQUESTS" 'BEGIN { printf "%.2f", t * 10000 / n }')
        echo "$round $format $([[ $on == true ]] && echo on || echo off) $(awk -v t=$((after[$instance] - before[$instance])) -v n="$REQUESTS" 'BEGIN { printf "%.1f", t * 10000 / n }') $written $writer $instance"
    done
}

echo "round format log cpu_us_per_request lines writer_us_per_request instance"
for round in $(seq 1 "$ROUNDS"); do
    for format in "${FORMATS[@]}"; do
        if [[ $CONCURRENT == 1 ]]; then
            a=true; b=false; (( round % 2 == 0 )) && { a=false; b=true; }
            settings "$format-a" "$a"; settings "$format-b" "$b"; sleep 2.5
            measure "$round" "$format" "$format-a:$a" "$format-b:$b"
        else
            order=(true false); (( round % 2 == 0 )) && order=(false true)
            for on in "${order[@]}"; do
                settings "$format" "$on"; sleep 2.5
                measure "$round" "$format" "$format:$on"
            done
        fi
    done
done | tee "$WORK/rounds.txt"
OUT="$BENCH/results/logtoggle-$(date -u +%Y%m%dT%H%M%SZ).txt"

for format in "${FORMATS[@]}"; do
    awk -v f="$format" '$2 == f && $3 == "on" { on[$1] = $4 } $2 == f && $3 == "off" { off[$1] = $4 }
        END { for (r in off) if (off[r] > 0 && (r in on)) printf "%d %.4f\n", r, on[r] / off[r] }' "$WORK/rounds.txt" | sort -n >"$WORK/ratios-$format.txt"
    printf '%s: on/off per round (sorted)%s' "$format" "$(awk '{ print $2 }' "$WORK/ratios-$format.txt" | median)"
    # --concurrent: rounds 1+2, 3+4 ... had the two processes in both roles; a pair's geometric mean has no process in it
    [[ $CONCURRENT == 1 ]] && printf '\n%s: pairs (geometric mean of rounds 2k-1, 2k, sorted)%s' "$format" \
        "$(awk '{ r[$1] = $2 } END { for (k = 1; (2 * k) in r; k++) printf "%.4f\n", sqrt(r[2 * k - 1] * r[2 * k]) }' "$WORK/ratios-$format.txt" | median)"
    echo
done | tee "$WORK/summary.txt"
{ echo "bench/log-toggle.sh, $(git -C "$ROOT" rev-parse --short HEAD), $DLL${ENVS[*]:+ (${ENVS[*]})}, $ROUNDS rounds of $REQUESTS requests$([[ $CONCURRENT == 1 ]] && echo ", concurrent") ($([[ $H2 == 1 ]] && echo HTTP/2 || echo HTTP/1.1)), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
  cat "$WORK/rounds.txt" "$WORK/summary.txt"; } >"$OUT"
echo "kept in $OUT"
