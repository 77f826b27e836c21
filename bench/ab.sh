#!/usr/bin/env bash
# Two EdgeProxy builds side by side, without the machine's drift: two processes of each build (four in all) take
# their loads at the same time, every round, so all four see the same machine; the two instances of a build show how
# far apart two processes of one build are, which is the floor of what a round can tell.
#
#   bench/ab.sh --before PATH [--after PATH] [--rounds N] [--requests N] [--h2] [--log on|off] [--format Text|CompactJson]
#
# --before/--after: EdgeProxy.dll of each build (--after defaults to this tree's Release build; take --before from a
# copy of src/EdgeProxy/bin/Release/net10.0 made before the change), each run with the openssl.cnf next to it.
# The bench's config, the access log as --log says (default on: as shipped) in --format (default Text).
# Each round: N requests per process (default 40,000; h2load --h1 -c8, or --h2 -c4 -m10), all four at once; CPU µs per
# request from /proc per process, and of it the console writer thread's (the "writer" column, - where there is none).
# Prints every round, then per round after/before (mean of each build's two processes) and its median, the same for
# the writer thread, and the spread within each build; kept in bench/results/ab-<time>.txt.
# Loopback only, ports 18080, 18551-18554, 18651-18654, 19951-19954; every process it starts is stopped on exit.
# About 15 s per round after 15 s of warm-up per process.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
ROUNDS=10
REQUESTS=40000
H2=0
LOG=true
FORMAT=Text
BEFORE=""
AFTER="$ROOT/src/EdgeProxy/bin/Release/net10.0/EdgeProxy.dll"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --before) BEFORE="$(realpath "$2")"; shift ;;
        --after) AFTER="$(realpath "$2")"; shift ;;
        --rounds) ROUNDS="$2"; shift ;;
        --requests) REQUESTS="$2"; shift ;;
        --h2) H2=1 ;;
        --log) LOG=$([[ $2 == on ]] && echo true || echo false); shift ;;
        --format) FORMAT="$2"; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done
[[ -n "$BEFORE" ]] || { echo "--before PATH is required" >&2; exit 2; }
for tool in nginx h2load curl jq; do command -v "$tool" >/dev/null || { echo "$tool is missing: run bench/run.sh once (it installs it)" >&2; exit 1; }; done

WORK="$(mktemp -d /tmp/edgeproxy-ab.XXXXXX)"
mkdir -p "$WORK/certs" "$WORK/logs"
# shellcheck source=setup.sh
source "$BENCH/setup.sh" src/EdgeProxy

grep -v '^\s*//' "$WORK/edgeproxy.json" | jq --arg format "$FORMAT" --argjson on "$LOG" \
    '.EdgeProxy.AccessLog.Enabled = $on | .EdgeProxy.Console = { Format: $format }' >"$WORK/ab.json"
INSTANCES=(before-1 after-1 before-2 after-2)
declare -A PID PORT
i=0
for instance in "${INSTANCES[@]}"; do
    dll=$([[ $instance == before-* ]] && echo "$BEFORE" || echo "$AFTER")
    port=$((18551 + i)); PORT[$instance]=$port
    start_edgeproxy "$instance" "$port" "$dll" ab.json
    PID[$instance]=$STARTED
    i=$((i + 1))
done

load() { # port, requests, [seconds instead of requests]
    local n=(-n "$2"); [[ -n "${3:-}" ]] && n=(-D "$3")
    if [[ $H2 == 1 ]]; then h2load -t1 -c4 -m10 "${n[@]}" "https://127.0.0.1:$1/"; else h2load --h1 -t1 -c8 "${n[@]}" "https://127.0.0.1:$1/"; fi
}
for instance in "${INSTANCES[@]}"; do
    for _ in $(seq 1 150); do curl -sk -o /dev/null "https://127.0.0.1:${PORT[$instance]}/" && break; sleep 0.2; done
done
warm=()
for instance in "${INSTANCES[@]}"; do load "${PORT[$instance]}" 0 15 >/dev/null 2>&1 & warm+=("$!"); done # all four at once: JIT and tiered PGO settle
for pid in "${warm[@]}"; do wait "$pid" || true; done

echo "round instance cpu_us_per_request writer_us_per_request"
per_request() { awk -v t="$1" -v n="$REQUESTS" 'BEGIN { printf "%.2f", t * 10000 / n }'; }
for round in $(seq 1 "$ROUNDS"); do
    declare -A before=() after=() wbefore=()
    for instance in "${INSTANCES[@]}"; do before[$instance]=$(ticks "${PID[$instance]}"); wbefore[$instance]=$(writer_ticks "${PID[$instance]}"); done
    loads=()
    for instance in "${INSTANCES[@]}"; do
        { load "${PORT[$instance]}" "$REQUESTS" 2>&1 | grep -q "$REQUESTS succeeded" || { echo "round $round $instance: not every request succeeded" >&2; exit 1; }; } &
        loads+=("$!")
    done
    for pid in "${loads[@]}"; do wait "$pid" || exit 1; done
    for instance in "${INSTANCES[@]}"; do after[$instance]=$(ticks "${PID[$instance]}"); done
    sleep 0.3 # the writer's last batch of the round
    for instance in "${INSTANCES[@]}"; do
        wafter=$(writer_ticks "${PID[$instance]}") writer=-
        [[ -n "${wbefore[$instance]}" && -n "$wafter" ]] && writer=$(per_request $((wafter - wbefore[$instance])))
        echo "$round $instance $(per_request $((after[$instance] - before[$instance]))) $writer"
    done
done | tee "$WORK/rounds.txt"

summary() {
    awk '{ v[$1, $2] = $3; r[$1] = 1 }
        END { for (k in r) printf "%d %.4f %.4f %.4f\n", k, (v[k, "after-1"] + v[k, "after-2"]) / (v[k, "before-1"] + v[k, "before-2"]),
            v[k, "before-2"] / v[k, "before-1"], v[k, "after-2"] / v[k, "after-1"] }' "$WORK/rounds.txt" | sort -n >"$WORK/ratios.txt"
    printf 'after/before per round (sorted)%s\n' "$(awk '{ print $2 }' "$WORK/ratios.txt" | median)"
    awk '$4 != "-" { w[$1, $2] = $4; r[$1] = 1 } END { for (k in r) if (w[k, "before-1"] + w[k, "before-2"] > 0)
            printf "%.4f\n", (w[k, "after-1"] + w[k, "after-2"]) / (w[k, "before-1"] + w[k, "before-2"]) }' "$WORK/rounds.txt" >"$WORK/writer.txt"
    [[ -s "$WORK/writer.txt" ]] && printf 'writer thread, after/before per round (sorted)%s\n' "$(median <"$WORK/writer.txt")"
    printf 'within builds, instance 2/instance 1: before%s\n' "$(awk '{ print $3 }' "$WORK/ratios.txt" | median)"
    printf '                                      after %s\n' "$(awk '{ print $4 }' "$WORK/ratios.txt" | median)"
    awk '{ s[$2] += $3; w[$2] += $4; n[$2]++ } END { for (i in s) printf "%s mean %.1f µs per request, writer thread %.2f\n", i, s[i] / n[i], w[i] / n[i] }' "$WORK/rounds.txt" | sort
}
summary | tee "$WORK/summary.txt"
OUT="$BENCH/results/ab-$(date -u +%Y%m%dT%H%M%SZ).txt"
{ echo "bench/ab.sh, $(git -C "$ROOT" rev-parse --short HEAD), before $BEFORE, after $AFTER, $ROUNDS rounds of $REQUESTS requests per process ($([[ $H2 == 1 ]] && echo HTTP/2 || echo HTTP/1.1)), access log $LOG ($FORMAT), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
  cat "$WORK/rounds.txt" "$WORK/summary.txt"; } >"$OUT"
echo "kept in $OUT"
