#!/usr/bin/env bash
# Builds the EdgeProxy image for real with podman on a Debian base made here with debootstrap (no
# registry is needed), runs it the way docker/README.md tells operators to (read-only root, non-root
# user, config and certificates mounted, ports published on 127.0.0.1) in front of the demo upstream
# running on the host, and checks what an operator relies on. Ends with one line for CI to add up:
#   container: N passed, N failed[, N skipped]
# Safe to run repeatedly: podman's config and storage live in $EDGEPROXY_CONTAINER_WORK (the base image
# is cached there between runs), and only the containers and processes this run started are removed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Bounded as a whole: a typical run takes 2-3 minutes with the base image cached, about 8 on a loaded
# machine when debootstrap has to run first. On the deadline every process of the run gets SIGTERM and
# the trap below still removes what was started and prints the summary line.
if [ -z "${EDGEPROXY_CONTAINER_TEST_BOUNDED:-}" ]; then
  EDGEPROXY_CONTAINER_TEST_BOUNDED=1 exec timeout --kill-after=30 "${EDGEPROXY_CONTAINER_TEST_TIMEOUT:-840}" "$0" "$@"
fi
if [ "$(id -u)" != 0 ]; then
  # Rootful podman: the build mounts the host's .NET SDK, and the test chowns the data folder to uid 1654.
  echo "run as root (sudo docker/test-container.sh)" >&2
  echo "container: 0 passed, 1 failed"
  exit 1
fi

work=${EDGEPROXY_CONTAINER_WORK:-/var/tmp/edgeproxy-container}
base_image=localhost/edgeproxy-base:bookworm
image=localhost/edgeproxy:test
shutdown_timeout=10 # seconds; EdgeProxy:ShutdownTimeout in the test config below
passed=0 failed=0 skipped=0
container= upstream_pid= stream_pid= run=

pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
skip() { skipped=$((skipped + 1)); echo "SKIP $*"; }
summary() {
  if ((skipped)); then echo "container: $passed passed, $failed failed, $skipped skipped"; else echo "container: $passed passed, $failed failed"; fi
}
cleanup() {
  local rc=$?
  # Only what this run started, by the id it got back.
  if [ -n "$container" ]; then
    timeout 60 podman rm -f -t 0 "$container" >/dev/null 2>&1 || true
  fi
  if [ -n "$stream_pid" ]; then kill "$stream_pid" 2>/dev/null || true; fi
  if [ -n "$upstream_pid" ]; then kill "$upstream_pid" 2>/dev/null || true; fi
  if [ -n "$run" ]; then rm -rf "$run"; fi
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "FAIL the script stopped early (exit $rc)"; fi
  summary
  exit $((failed ? 1 : rc))
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { echo "== $* ($(date -u +%T))"; }

# --- tools ---------------------------------------------------------------------------------------
step "tools"
declare -A packages=([podman]=podman [runc]=runc [debootstrap]=debootstrap [newuidmap]=uidmap
  [slirp4netns]=slirp4netns [fuse-overlayfs]=fuse-overlayfs [curl]=curl [openssl]=openssl [python3]=python3)
missing=()
for tool in "${!packages[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$tool" >/dev/null 2>&1 || missing+=("${packages[$tool]}")
done
export PATH="$PATH:/usr/sbin:/sbin"
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  timeout 300 apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- podman's own config, before the first podman command ------------------------------------------
# crun fails on these machines and there is no systemd or journald: runc, cgroupfs, file events.
# Storage is private so nothing here touches (or is touched by) other podman users on the machine.
mkdir -p "$work/storage" "$work/run"
cat > "$work/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=20000:20000"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
cat > "$work/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$work/storage"
runroot = "$work/run"
CONF
# No registry is reachable: short names must never be resolved against one.
printf 'unqualified-search-registries = []\n' > "$work/registries.conf"
export CONTAINERS_CONF="$work/containers.conf" CONTAINERS_STORAGE_CONF="$work/storage.conf" CONTAINERS_REGISTRIES_CONF="$work/registries.conf"

# --- the base image: Debian minbase + what .NET needs (OpenSSL for TLS, ICU, CA roots) -------------
step "base image"
if timeout 60 podman image exists "$base_image"; then
  echo "cached: $base_image"
else
  # The host's Debian mirror, from whichever of its source files exist: one-line `deb URL ...` files
  # (sources.list, older machines) or deb822 `URIs: URL` files (sources.list.d/*.sources, current ones).
  # A machine may have either, both or neither, so a missing file is not an error here.
  mirror=$(find /etc/apt -maxdepth 2 \( -name sources.list -o -name '*.list' -o -name '*.sources' \) -type f -print0 2>/dev/null |
    xargs -0r grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' 2>/dev/null | head -1 | awk '{print $2}' || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  rootfs="$work/rootfs.partial"
  rm -rf "$rootfs"
  echo "debootstrap from $mirror (a few minutes on a loaded machine)"
  timeout 480 debootstrap --variant=minbase --include=libssl3,ca-certificates,libicu72 bookworm "$rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; exit 1; }
  # Package caches and docs are not needed at run time; they would only make the image bigger.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
  timeout 300 tar -C "$rootfs" -c . | timeout 300 podman import - "$base_image" >/dev/null
  rm -rf "$rootfs"
fi
pass "base image $base_image ($(podman image inspect --format '{{.Size}}' "$base_image" | awk '{printf "%.0f MB", $1/1e6}'))"

# --- the image, through docker/Dockerfile ----------------------------------------------------------
step "build"
sdk_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
nuget=${NUGET_PACKAGES:-$HOME/.nuget/packages}
mkdir -p "$nuget"
# The version and commit the image carries (OCI labels, `EdgeProxy --version`); a checkout without git history
# (an exported tarball) still builds, with the version alone.
version=$(sed -nE 's|.*<VersionPrefix>([^<]+)</VersionPrefix>.*|\1|p' src/EdgeProxy/EdgeProxy.csproj)
revision=$(git rev-parse HEAD 2>/dev/null || true)
# The previous run's image goes first, by its id, so an interrupted run never leaves one behind.
old_image=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
if [ -n "$old_image" ]; then timeout 60 podman rmi "$old_image" >/dev/null 2>&1 || true; fi
# The SDK, the NuGet cache and the CA roots come from the host, mounted for the build only: the restore
# then trusts what the host's own `dotnet restore` trusts (a TLS-inspecting proxy's root included) and
# none of it lands in the image. RUNTIME_ID publishes self-contained because the base has no .NET.
# --format docker keeps HEALTHCHECK (the OCI format drops it).
if timeout 480 podman build --format docker --pull=never --layers=false --network host \
  --ignorefile docker/Dockerfile.dockerignore -f docker/Dockerfile \
  --build-arg SDK_IMAGE="$base_image" --build-arg RUNTIME_IMAGE="$base_image" --build-arg RUNTIME_ID=linux-x64 \
  --build-arg VERSION="$version" --build-arg SOURCE_REVISION="$revision" \
  --volume "$sdk_root:/usr/share/dotnet:ro" --volume "$nuget:/root/.nuget/packages" --volume /etc/ssl/certs:/etc/ssl/certs:ro \
  -t "$image" . > "$work/build.log" 2>&1; then
  size=$(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')
  pass "docker/Dockerfile builds on $base_image, self-contained linux-x64: image $size"
else
  tail -40 "$work/build.log"
  fail "docker/Dockerfile build (log: $work/build.log)"
  exit 1
fi

labels=$(podman image inspect --format '{{index .Config.Labels "org.opencontainers.image.version"}} {{index .Config.Labels "org.opencontainers.image.revision"}}' "$image")
[ "$labels" = "$version $revision" ] && pass "OCI labels: version $version, revision ${revision:-none}" || fail "OCI labels: '$labels', expected '$version $revision'"
# stdout only: podman itself warns on stderr that it cannot reach systemd for health timers (there is none here).
image_version=$(timeout 60 podman run --rm --no-healthcheck --network none "$image" --version 2>>"$work/podman-version.err" || true)
expected_version="EdgeProxy $version${revision:+ (commit ${revision:0:12})}"
[ "$image_version" = "$expected_version" ] && pass "EdgeProxy --version in the image: $image_version" || fail "EdgeProxy --version in the image: '$image_version', expected '$expected_version'"
# The Kubernetes preStop is `exec /bin/sleep 10` (docker/kubernetes/base): the binary must be in the image.
if timeout 60 podman run --rm --no-healthcheck --network none --entrypoint /bin/sleep "$image" 0 2>>"$work/podman-version.err"; then
  pass "/bin/sleep (the Kubernetes preStop) runs in the image"; else fail "/bin/sleep (the Kubernetes preStop) does not run in the image"; fi
user=$(podman image inspect --format '{{.Config.User}}' "$image")
health=$(podman image inspect --format '{{json .Config.Healthcheck}}' "$image")
[ "$user" = "1654:1654" ] && pass "image user is $user (numeric, non-root)" || fail "image user is '$user', expected 1654:1654"
[[ "$health" == *"EdgeProxy"*"health"* ]] && pass "HEALTHCHECK runs EdgeProxy health" || fail "HEALTHCHECK: $health"

# --- the upstream on the host (loopback) ------------------------------------------------------------
step "upstream"
run=$(mktemp -d)
chmod 0755 "$run"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
upstream_port=$(free_port) https_port=$(free_port) http_port=$(free_port) admin_port=$(free_port)
# EDGEPROXY_DEMO_DLL: another build of the demo upstream (e.g. one with /sse, /ndjson and /ws).
demo_dll=${EDGEPROXY_DEMO_DLL:-$(ls samples/demo/bin/*/net10.0/Demo.dll 2>/dev/null | head -1 || true)}
if [ -z "$demo_dll" ]; then
  timeout 400 dotnet build samples/demo -v q -nologo > "$run/demo-build.log" 2>&1 || { cat "$run/demo-build.log"; exit 1; }
  demo_dll=$(ls samples/demo/bin/*/net10.0/Demo.dll | head -1)
fi
DEMO_UPSTREAM_URL="http://127.0.0.1:$upstream_port" dotnet "$demo_dll" --upstream-only > "$run/upstream.log" 2>&1 &
upstream_pid=$!
for _ in $(seq 60); do curl -fsS -o /dev/null "http://127.0.0.1:$upstream_port/healthz" 2>/dev/null && break; sleep 1; done
curl -fsS -o /dev/null "http://127.0.0.1:$upstream_port/healthz" || { cat "$run/upstream.log"; echo "demo upstream did not start"; exit 1; }

# --- config and certificates, mounted as an operator would --------------------------------------
mkdir -p "$run/config" "$run/certs" "$run/data"
# /certs laid out as Kubernetes mounts a Secret: the files are symlinks through ..data, which points at a
# timestamped folder; an update writes a new folder and swaps ..data atomically.
publish_certs() { # $1: the new folder's name
  docker/generate-test-certs.sh "$run/certs/$1" >/dev/null
  ln -sfn "$1" "$run/certs/..data_tmp" && mv -T "$run/certs/..data_tmp" "$run/certs/..data"
}
publish_certs ..2026_01_01_00_00_00.1
for f in tls.crt tls.key ca.crt; do ln -s "..data/$f" "$run/certs/$f"; done
chown 1654:1654 "$run/data" && chmod 0700 "$run/data"
# 10.0.2.2 is the host's loopback as slirp4netns shows it to the container (allow_host_loopback), so
# the upstream can stay on 127.0.0.1. The redirect port is the published one, as behind a port mapping.
write_config() { # $1: value of the X-Config-Version response header
  cat > "$run/config/appsettings.json.tmp" <<JSON
{
  "Kestrel": { "Endpoints": {
    "Http": { "Url": "http://*:8080" },
    "Https": { "Url": "https://*:8443", "Certificate": { "Path": "/certs/tls.crt", "KeyPath": "/certs/tls.key" } } } },
  "EdgeProxy": {
    "DataPath": "/data",
    "Admin": { "Urls": "http://*:9901" },
    "ShutdownTimeout": "${shutdown_timeout}s",
    "HttpsRedirect": { "Port": $https_port }
  },
  "ReverseProxy": {
    "Routes": { "app": { "ClusterId": "app", "Match": { "Path": "{**catch-all}" },
      "Transforms": [ { "ResponseHeader": "X-Config-Version", "Set": "$1" } ] } },
    "Clusters": { "app": { "Destinations": { "host": { "Address": "http://10.0.2.2:$upstream_port/" } } } }
  }
}
JSON
  chmod 0644 "$run/config/appsettings.json.tmp"
  mv "$run/config/appsettings.json.tmp" "$run/config/appsettings.json" # atomic, as editors and Kubernetes do
}
write_config 1

# --- run it ------------------------------------------------------------------------------------------
step "run"
container=$(timeout 120 podman run -d --read-only --user 1654:1654 \
  --network slirp4netns:allow_host_loopback=true \
  -p "127.0.0.1:$https_port:8443" -p "127.0.0.1:$http_port:8080" -p "127.0.0.1:$admin_port:9901" \
  -v "$run/config:/app/config:ro" -v "$run/certs:/certs:ro" -v "$run/data:/data" \
  --health-interval disable --stop-timeout $((shutdown_timeout + 20)) "$image" 2>"$run/podman.err") ||
  { cat "$run/podman.err"; exit 1; }
ready=
for _ in $(seq 90); do
  if [ "$(curl -s -m 2 "http://127.0.0.1:$admin_port/readyz" 2>/dev/null)" = "ready" ]; then ready=1; break; fi
  [ "$(podman inspect --format '{{.State.Running}}' "$container")" = true ] || break
  sleep 1
done
if [ -n "$ready" ]; then pass "/readyz is 200 ready on the published admin port"; else
  podman logs "$container" 2>&1 | tail -30; fail "/readyz never became ready"; exit 1; fi

ca=(--cacert "$run/certs/ca.crt")
body=$(curl -sS -m 10 "${ca[@]}" "https://localhost:$https_port/through/the/container?x=1" || true)
[[ "$body" == *"Hello from the EdgeProxy demo upstream"* && "$body" == *'"path":"/through/the/container"'* ]] &&
  pass "HTTPS through the container to the host upstream, certificate chain verified against the mounted CA" ||
  fail "HTTPS through the container: $body"

chain=$(openssl s_client -connect "127.0.0.1:$https_port" -servername localhost -showcerts </dev/null 2>/dev/null | grep -c 'BEGIN CERTIFICATE' || true)
[ "$chain" = 2 ] && pass "handshake sends leaf + intermediate from /certs/tls.crt" || fail "handshake sent $chain certificate(s), expected 2"

redirect=$(curl -sS -m 10 -o /dev/null -w '%{http_code} %{redirect_url}' "http://localhost:$http_port/r?q=1" || true)
[ "$redirect" = "308 https://localhost:$https_port/r?q=1" ] && pass "HTTP → $redirect" || fail "redirect: $redirect"

# The image's own HEALTHCHECK, run once on demand (there is no systemd here for podman's health timers,
# hence --health-interval disable above), then the command it runs, to show its answer.
health_state=$(timeout 60 podman healthcheck run "$container" 2>&1) && pass "the image's HEALTHCHECK reports healthy" || fail "HEALTHCHECK: $health_state"
in_container=$(timeout 60 podman exec "$container" /app/EdgeProxy health 2>&1) && pass "EdgeProxy health inside the container: $in_container" || fail "EdgeProxy health inside the container: $in_container"

# /data takes what EdgeProxy writes (the self-signed certificate, ACME state, data-protection keys once a route uses
# session affinity): writable for uid 1654, where nothing else is.
uid=$(timeout 30 podman exec "$container" sh -c 'id -u; touch /app/probe 2>/dev/null && echo root-writable || echo root-read-only; touch /data/probe && rm /data/probe && echo data-writable' 2>&1 | tr '\n' ' ')
[[ "$uid" == "1654 root-read-only data-writable " ]] && pass "runs as uid 1654, root filesystem read-only, /data writable" || fail "uid/read-only/data: $uid"

# --- a config change is picked up without a restart -------------------------------------------------
step "config reload"
write_config 2
version=
for _ in $(seq 30); do
  version=$(curl -sS -m 5 "${ca[@]}" -o /dev/null -D - "https://localhost:$https_port/" 2>/dev/null | tr -d '\r' | awk -F': ' 'tolower($1)=="x-config-version"{print $2}')
  [ "$version" = 2 ] && break
  sleep 1
done
[ "$version" = 2 ] && pass "config file replaced in the mounted folder: new transform served without a restart" || fail "config reload: X-Config-Version is '$version'"

# --- a certificate renewed the way Kubernetes delivers it (..data swap) is served without a restart -----
step "certificate reload"
leaf_fingerprint() { openssl x509 -noout -fingerprint -sha256 | cut -d= -f2; }
served_fingerprint() { openssl s_client -connect "127.0.0.1:$https_port" -servername localhost </dev/null 2>/dev/null | leaf_fingerprint; }
before=$(served_fingerprint)
publish_certs ..2026_01_02_00_00_00.2
expected=$(leaf_fingerprint < "$run/certs/tls.crt")
served=
for _ in $(seq 30); do
  served=$(served_fingerprint)
  [ "$served" = "$expected" ] && break
  sleep 1
done
[ "$served" = "$expected" ] && [ "$before" != "$expected" ] &&
  pass "Secret-style ..data swap in /certs: the new certificate is served without a restart" ||
  fail "certificate reload: served $served, expected $expected (before: $before)"

# --- the smoke test operators run against compose, against this container (now trusting the new CA) -----
step "smoke test"
set +e
SMOKE_ALLOW_MISSING_STREAMS=1 SMOKE_CACERT="$run/certs/ca.crt" timeout 120 docker/smoke-test.sh \
  "https://localhost:$https_port" "http://localhost:$http_port" > "$run/smoke.log" 2>&1
smoke_rc=$?
set -e
cat "$run/smoke.log"
smoke_failed=0
while read -r verdict _; do
  case $verdict in PASS) passed=$((passed + 1)) ;; FAIL) failed=$((failed + 1)); smoke_failed=1 ;; SKIP) skipped=$((skipped + 1)) ;; esac
done < "$run/smoke.log"
if [ "$smoke_rc" -ne 0 ] && [ "$smoke_failed" = 0 ]; then fail "smoke-test.sh exited $smoke_rc without a FAIL line (timed out?)"; fi

# --- podman stop: SIGTERM, drain, exit 0 within the shutdown timeout -----------------------------------
step "stop"
# With a streaming upstream, keep an endless SSE stream open through the stop: the drain must still end
# within the shutdown timeout, and the stream must have been live until then.
if [[ "$(curl -s -m 5 -o /dev/null -w '%{content_type}' "http://127.0.0.1:$upstream_port/sse?count=1" || true)" == text/event-stream* ]]; then
  curl -sSN -m $((shutdown_timeout + 40)) "${ca[@]}" "https://localhost:$https_port/sse" > "$run/open-stream.log" 2>&1 &
  stream_pid=$!
  sleep 3
fi
start=$(date +%s)
# stderr kept aside: podman 4.3 logs "unable to get systemd connection" for the health timer it could not
# remove (there is no systemd here), which is noise, not a result.
timeout $((shutdown_timeout + 60)) podman stop -t $((shutdown_timeout + 20)) "$container" >/dev/null 2>>"$run/podman.err"
elapsed=$(($(date +%s) - start))
code=$(podman inspect --format '{{.State.ExitCode}}' "$container")
if [ "$code" = 0 ] && [ "$elapsed" -le $((shutdown_timeout + 5)) ]; then
  pass "podman stop: exit code 0 after ${elapsed}s (shutdown timeout ${shutdown_timeout}s)"
else
  podman logs "$container" 2>&1 | tail -20
  fail "podman stop: exit code $code after ${elapsed}s (shutdown timeout ${shutdown_timeout}s)"
fi
if [ -n "$stream_pid" ]; then
  stream_rc=0
  timeout 30 tail --pid="$stream_pid" -f /dev/null || stream_rc=$?
  events=$(grep -c '^data:' "$run/open-stream.log" || true)
  if [ "$stream_rc" = 0 ] && [ "$events" -ge 2 ]; then pass "an SSE stream open during podman stop got $events events, then was closed by the drain"
  else fail "SSE stream open during podman stop: $events events, still open: $([ "$stream_rc" = 0 ] && echo no || echo yes)"; fi
  stream_pid=
else
  skip "SSE stream open during podman stop (the upstream has no /sse: demo without streaming)"
fi
