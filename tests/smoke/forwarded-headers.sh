#!/usr/bin/env bash
# Smoke test for EdgeProxy:TrustedProxies with real curl peers on real source addresses.
# Linux routes all of 127.0.0.0/8 to loopback, so `curl --interface 127.0.0.9` is a real, distinct peer.
# Needs: dotnet (solution built: `dotnet build EdgeProxy.sln`), curl >= 7.60 (--haproxy-protocol), ss (iproute2), shuf.
# Usage: tests/smoke/forwarded-headers.sh   (exit 0 = every check passed)
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

chosen=" "
read -r ephemeral_low _ < /proc/sys/net/ipv4/ip_local_port_range
port() { # below the ephemeral range (outgoing connections take those), unused, not chosen yet
  local p
  while :; do
    p=$(shuf -i 10000-$((ephemeral_low - 1)) -n 1)
    [[ "$chosen" != *" $p "* ]] && [[ -z "$(ss -Htan "sport = :$p")" ]] && break
  done
  chosen+="$p "
  echo "$p"
}
upstream_port=$(port); chosen+="$upstream_port "; https_port=$(port); chosen+="$https_port "
pp_port=$(port); chosen+="$pp_port "; admin_port=$(port)

cat > "$work/appsettings.json" <<JSON
{
  "Kestrel": { "Endpoints": {
    "Https": { "Url": "https://127.0.0.1:$https_port" },
    "Nlb":   { "Url": "https://127.0.0.1:$pp_port" }
  } },
  "Serilog": { "MinimumLevel": { "Override": { "EdgeProxy.AccessLog": "Warning" } } },
  "EdgeProxy": {
    "DataPath": "$work/data",
    "Admin": { "Urls": "http://127.0.0.1:$admin_port" },
    "TrustedProxies": { "Networks": [ "127.0.0.2" ], "ProxyProtocol": [ "Nlb" ] }
  },
  "ReverseProxy": {
    "Routes": {
      "app": { "ClusterId": "app", "Match": { "Path": "/apps/my-app/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/apps/my-app" } ] },
      "all": { "ClusterId": "app", "Match": { "Path": "{**catch-all}" } }
    },
    "Clusters": { "app": { "Destinations": { "d": { "Address": "http://127.0.0.1:$upstream_port/" } } } }
  }
}
JSON

DEMO_UPSTREAM_URL="http://127.0.0.1:$upstream_port" dotnet "$root/samples/demo/bin/Debug/net10.0/Demo.dll" --upstream-only > "$work/upstream.log" 2>&1 &
pids+=($!)
dotnet "$root/src/EdgeProxy/bin/Debug/net10.0/EdgeProxy.dll" --config "$work/appsettings.json" > "$work/proxy.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$admin_port/readyz" > /dev/null 2>&1 && break
  sleep 0.2
done
curl -sf "http://127.0.0.1:$admin_port/readyz" > /dev/null || { echo "FAIL proxy did not become ready"; cat "$work/proxy.log"; exit 1; }

failures=0
check() { # name, expected substring, curl args...
  local name="$1" expected="$2"; shift 2
  local body
  body="$(curl -sk --max-time 10 "$@" 2>&1 || true)"
  if [[ "$body" == *"$expected"* ]]; then
    echo "PASS $name"
  else
    echo "FAIL $name: expected '$expected' in: $body"
    failures=$((failures + 1))
  fi
}

url="https://127.0.0.1:$https_port"
check "untrusted peer cannot spoof X-Forwarded-For" '"X-Forwarded-For":"127.0.0.9"' \
  --interface 127.0.0.9 -H 'X-Forwarded-For: 1.2.3.4' "$url/whoami"
check "untrusted peer cannot spoof X-Real-IP" '"X-Real-IP":"127.0.0.9"' \
  --interface 127.0.0.9 -H 'X-Real-IP: 1.2.3.4' "$url/whoami"
check "untrusted peer cannot spoof the scheme" '"X-Forwarded-Proto":"https"' \
  --interface 127.0.0.9 -H 'X-Forwarded-Proto: http' "$url/whoami"
check "trusted peer's client is used" '"X-Real-IP":"1.2.3.4"' \
  --interface 127.0.0.2 -H 'X-Forwarded-For: 1.2.3.4' "$url/whoami"
check "forged entry left of the client is dropped" '"X-Forwarded-For":"1.2.3.4, 127.0.0.2"' \
  --interface 127.0.0.2 -H 'X-Forwarded-For: 6.6.6.6, 1.2.3.4' "$url/whoami"
check "two header lines are one list, one line out" '"X-Forwarded-For":"1.2.3.4, 127.0.0.2"' \
  --interface 127.0.0.2 -H 'X-Forwarded-For: 6.6.6.6' -H 'X-Forwarded-For: 1.2.3.4' "$url/whoami"
check "strip-prefix route sends X-Forwarded-Prefix" '"X-Forwarded-Prefix":"/apps/my-app"' \
  --interface 127.0.0.9 "$url/apps/my-app/page"
check "PROXY v1 from a trusted peer" '"X-Real-IP":"127.0.0.2"' \
  --haproxy-protocol --interface 127.0.0.2 "https://127.0.0.1:$pp_port/whoami"
check "PROXY v1 from an untrusted peer is closed" 'curl: (' \
  --haproxy-protocol --interface 127.0.0.9 -sS "https://127.0.0.1:$pp_port/whoami"

if (( failures > 0 )); then
  echo "$failures check(s) failed; proxy log:"; tail -n 40 "$work/proxy.log"
  exit 1
fi
echo "all forwarded-header smoke checks passed"
