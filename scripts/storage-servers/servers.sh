#!/usr/bin/env bash
# The real storage servers the adapter tests talk to, all on 127.0.0.1, all state under .test-servers/:
#   swift    OpenStack Swift 2.30 (Debian) all-in-one with TempAuth, and its s3api middleware as the
#            S3 server (s3rver is not used: it silently stores aws-chunked framing as object data)
#   azurite  Microsoft's Azure Blob emulator (npm), in memory
#   gcs      firebase-tools' Cloud Storage emulator, run in-process by gcs-emulator.cjs
# usage: servers.sh install|start|stop|status      (see README.md for ports and the variables in env.sh)
#
# A server that cannot start is reported in a banner on stderr and its variables stay unset, so its
# suite skips loudly; with TEST_SERVERS_STRICT=1 (or CI=true) start fails instead.
set -uo pipefail # no -e: one server failing must not keep the others from starting

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
TS=${TEST_SERVERS_DIR:-$REPO/.test-servers}
RUN=$TS/run
LOGS=$TS/log
SW=$TS/swift

# 8080 is Tintype's own default port, and memcached's usual 11211 may belong to the machine.
SWIFT_PORT=${TEST_SERVERS_SWIFT_PORT:-18080}
OBJ_PORT=${TEST_SERVERS_SWIFT_OBJECT_PORT:-16200}
CONT_PORT=${TEST_SERVERS_SWIFT_CONTAINER_PORT:-16201}
ACC_PORT=${TEST_SERVERS_SWIFT_ACCOUNT_PORT:-16202}
MC_PORT=${TEST_SERVERS_MEMCACHED_PORT:-11311}
ABS_PORT=${TEST_SERVERS_AZURITE_PORT:-10000}
GCS_PORT=${TEST_SERVERS_GCS_PORT:-9199}

APT_PACKAGES=(swift swift-proxy swift-object swift-container swift-account memcached)
SWIFT_PROCS=(memcached swift-account swift-container swift-object swift-proxy)
ALL_PROCS=("${SWIFT_PROCS[@]}" azurite gcs)
declare -A LAUNCHED_AT

# Azurite's fixed, publicly documented development account; not a secret.
ABS_ACCOUNT=devstoreaccount1
ABS_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

say() { printf '[storage-servers] %s\n' "$*"; }

banner() {
  local line='!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'
  {
    printf '\n%s\n' "$line"
    printf '!!! %s\n' "$@"
    printf '%s\n\n' "$line"
  } >&2
}

strict() { [ "${TEST_SERVERS_STRICT:-}" = 1 ] || [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; }

# ---------------------------------------------------------------------------------------------------
# processes: one pid file per process; a pid counts as ours only while its command line still shows
# the marker below, so a stale pid file never makes us signal a process someone else now owns.

procs_of() { if [ "$1" = swift ]; then echo "${SWIFT_PROCS[*]}"; else echo "$1"; fi; }

marker() {
  case $1 in
    memcached) printf '%s' "-p $MC_PORT" ;;
    gcs) printf '%s' "gcs-emulator.cjs $TS/npm" ;;
    *) printf '%s' "$TS/" ;;
  esac
}

pid_of() { [ -f "$RUN/$1.pid" ] && cat "$RUN/$1.pid"; }

alive() {
  local pid
  pid=$(pid_of "$1") || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$(marker "$1")" # 2>: it may exit meanwhile
}

# spawn NAME DIR CMD...: run CMD in DIR in the background, output to log/NAME.log, pid to run/NAME.pid.
# `exec` makes the recorded pid the server's own, not a wrapper's.
spawn() {
  local name=$1 dir=$2
  shift 2
  (cd "$dir" && exec "$@") >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

stop_proc() {
  local name=$1 pid i
  pid=$(pid_of "$name") || return 0
  if alive "$name"; then
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 100); do # up to 10 s for a clean exit
      alive "$name" || break
      sleep 0.1
    done
    if alive "$name"; then
      kill -KILL "$pid" 2>/dev/null
      say "killed $name (pid $pid) after 10 s"
    else
      say "stopped $name (pid $pid)"
    fi
  fi
  rm -f "$RUN/$name.pid"
}

now_ms() { echo $((${EPOCHREALTIME/[.,]/} / 1000)); }

have() {
  local c
  for c in "$@"; do command -v "$c" >/dev/null || return 1; done
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

http_code() { curl -s -o /dev/null -m 2 -w '%{http_code}' "$@"; }

answers_http() { [ "$(http_code "$1")" != 000 ]; }

# ports_free NAME PORT...: fails when another process already listens on one of them.
ports_free() {
  local name=$1 port
  shift
  for port in "$@"; do
    if listening "$port"; then
      FAIL_REASON="port $port is already in use by another process (set TEST_SERVERS_*_PORT to move $name)"
      return 1
    fi
  done
}

# poll_ready NAME: 0 = ready, 1 = failed (a process died, or 60 s passed since launch), 2 = not yet.
poll_ready() {
  local name=$1 since=${LAUNCHED_AT[$1]} p
  for p in $(procs_of "$name"); do
    if ! alive "$p"; then
      FAIL_REASON="$p exited during start"
      return 1
    fi
  done
  if "${name}_ready"; then
    say "$name ready $(($(now_ms) - since)) ms after launch (pids: $(for p in $(procs_of "$name"); do printf '%s ' "$(pid_of "$p")"; done))"
    return 0
  fi
  if (($(now_ms) - since > 60000)); then
    FAIL_REASON="not ready 60 s after launch"
    return 1
  fi
  return 2
}

# ---------------------------------------------------------------------------------------------------
# install

install_apt() {
  local p wanted=("${APT_PACKAGES[@]}") missing=() sudo=()
  have curl || wanted+=(curl) # the readiness checks use it; minimal Debian images lack it
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ] && have swift-proxy-server swift-ring-builder memcached; then
    say "apt packages already installed"
    return 0
  fi
  if ! have apt-get; then
    FAIL_REASON="apt-get not found: install ${wanted[*]} (Debian/Ubuntu packages) yourself"
    return 1
  fi
  [ "$(id -u)" = 0 ] || sudo=(sudo -n)
  say "apt-get install ${missing[*]:-${wanted[*]}} (log: $LOGS/apt.log)"
  if ! { "${sudo[@]}" apt-get update &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${wanted[@]}"; } \
    >"$LOGS/apt.log" 2>&1; then
    FAIL_REASON="apt-get failed; tail of $LOGS/apt.log:"$'\n'"$(tail -n 15 "$LOGS/apt.log")"
    return 1
  fi
}

install_npm() {
  local dest=$TS/npm want
  # Reinstall only when the pinned set or the Node version changes.
  want="$(cat "$HERE/package.json" "$HERE/package-lock.json" | sha256sum | cut -c1-16) node $(node -v)"
  if [ "$(cat "$dest/.installed" 2>/dev/null)" = "$want" ] &&
    [ -f "$dest/node_modules/azurite/package.json" ] && [ -f "$dest/node_modules/firebase-tools/package.json" ]; then
    say "npm servers already installed"
    return 0
  fi
  rm -rf "$dest"
  mkdir -p "$dest"
  cp "$HERE/package.json" "$HERE/package-lock.json" "$dest/"
  say "npm ci azurite + firebase-tools into $dest (log: $LOGS/npm.log)"
  # --ignore-scripts: the only install scripts in the tree are re2's (a firebase-tools dependency the
  # storage emulator never loads; it downloads a binary from GitHub or compiles for ~2 min) and
  # protobufjs's (a version notice). Neither server needs them.
  if ! (cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=warn) >"$LOGS/npm.log" 2>&1; then
    FAIL_REASON="npm ci failed; tail of $LOGS/npm.log:"$'\n'"$(tail -n 15 "$LOGS/npm.log")"
    return 1
  fi
  echo "$want" >"$dest/.installed"
}

cmd_install() {
  local failed=()
  mkdir -p "$LOGS" "$RUN"
  FAIL_REASON=
  install_apt || {
    failed+=(swift)
    banner "storage servers: Swift (and so S3) cannot be installed:" "$FAIL_REASON"
  }
  FAIL_REASON=
  install_npm || {
    failed+=(azurite gcs)
    banner "storage servers: azurite and the GCS emulator cannot be installed:" "$FAIL_REASON"
  }
  if [ ${#failed[@]} -gt 0 ] && strict; then exit 1; fi
  return 0
}

# ---------------------------------------------------------------------------------------------------
# swift

swift_configs() {
  local etc=$SW/etc user s
  user=$(id -un)
  mkdir -p "$etc"
  set -- "account $ACC_PORT" "container $CONT_PORT" "object $OBJ_PORT"
  for s in "$@"; do
    # shellcheck disable=SC2086
    set -- $s
    # workers = 0: one process per server, so the recorded pid is the server and TERM stops it.
    cat >"$etc/$1-server.conf" <<C
[DEFAULT]
devices = $SW/srv
mount_check = false
bind_ip = 127.0.0.1
bind_port = $2
workers = 0
user = $user
swift_dir = $etc
log_name = $1-server

[pipeline:main]
pipeline = $1-server

[app:$1-server]
use = egg:swift#$1
C
  done
  # s3api before tempauth: S3 requests are signed with TempAuth's user and key (test:tester / testing).
  cat >"$etc/proxy-server.conf" <<C
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $SWIFT_PORT
workers = 0
user = $user
swift_dir = $etc
log_name = proxy-server

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MC_PORT
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
C
}

# Rings depend only on the ports; building them takes ~6 s, so they are cached per port set.
swift_rings() {
  local cache=$SW/rings/a$ACC_PORT-c$CONT_PORT-o$OBJ_PORT r tmp
  if [ ! -f "$cache/object.ring.gz" ]; then
    say "building swift rings (once per port set)"
    tmp=$(mktemp -d "$SW/rings.XXXXXX")
    for r in "account $ACC_PORT" "container $CONT_PORT" "object $OBJ_PORT"; do
      # shellcheck disable=SC2086
      set -- $r
      (
        cd "$tmp" &&
          swift-ring-builder "$1.builder" create 8 1 1 &&
          swift-ring-builder "$1.builder" add --region 1 --zone 1 --ip 127.0.0.1 --port "$2" --device d1 --weight 100 &&
          { swift-ring-builder "$1.builder" rebalance || [ $? -eq 1 ]; } # 1 = warnings only
      ) >>"$LOGS/swift-rings.log" 2>&1 || {
        rm -rf "$tmp"
        FAIL_REASON="swift-ring-builder failed; see $LOGS/swift-rings.log"
        return 1
      }
    done
    mkdir -p "$(dirname "$cache")"
    rm -rf "$cache"
    mv "$tmp" "$cache"
  fi
  cp "$cache"/*.ring.gz "$SW/etc/"
}

swift_ready() {
  local p
  for p in "$ACC_PORT" "$CONT_PORT" "$OBJ_PORT"; do answers_http "http://127.0.0.1:$p/" || return 1; done
  # The proxy answers /healthcheck before memcached and the backends are usable; a login proves TempAuth works.
  [ "$(curl -s -m 2 "http://127.0.0.1:$SWIFT_PORT/healthcheck")" = OK ] &&
    [ "$(http_code -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' "http://127.0.0.1:$SWIFT_PORT/auth/v1.0")" = 200 ]
}

launch_swift() {
  local p all=1 user_args=()
  for p in "${SWIFT_PROCS[@]}"; do alive "$p" || all=0; done
  if [ $all = 1 ]; then
    say "swift already running"
    return 0
  fi
  for p in "${SWIFT_PROCS[@]}"; do stop_proc "$p"; done # half a swift is no swift
  fresh_logs swift
  if ! have swift-proxy-server swift-ring-builder memcached; then
    FAIL_REASON="swift or memcached is not installed (run: bash scripts/storage-servers/servers.sh install)"
    return 1
  fi
  # Swift reads /etc/swift/swift.conf (hash prefix/suffix, storage policies) from that fixed path
  # whatever swift_dir says; the Debian package installs it.
  if [ ! -f /etc/swift/swift.conf ]; then
    FAIL_REASON="/etc/swift/swift.conf is missing (it comes with the Debian swift package)"
    return 1
  fi
  ports_free swift "$SWIFT_PORT" "$ACC_PORT" "$CONT_PORT" "$OBJ_PORT" "$MC_PORT" || return 1
  swift_configs
  swift_rings || return 1
  rm -rf "$SW/srv"
  mkdir -p "$SW/srv/d1" # a fresh, empty cluster each start
  LAUNCHED_AT[swift]=$(now_ms) # readiness time excludes a first ring build
  # memcached is required: without it TempAuth answers 503. It refuses to run as root without -u.
  [ "$(id -u)" = 0 ] && user_args=(-u root)
  spawn memcached "$SW" memcached "${user_args[@]}" -l 127.0.0.1 -p "$MC_PORT" -U 0 -m 64
  for p in account container object proxy; do
    # -v: log to stdout (our log file) as well as syslog
    spawn "swift-$p" "$SW" "swift-$p-server" "$SW/etc/$p-server.conf" -v
  done
}

# ---------------------------------------------------------------------------------------------------
# azurite and the GCS emulator

azurite_ready() { answers_http "http://127.0.0.1:$ABS_PORT/"; }

launch_azurite() {
  local bin=$TS/npm/node_modules/azurite/dist/src/blob/main.js
  if alive azurite; then
    say "azurite already running"
    return 0
  fi
  stop_proc azurite
  fresh_logs azurite
  if [ ! -f "$bin" ]; then
    FAIL_REASON="azurite is not installed (run: bash scripts/storage-servers/servers.sh install)"
    return 1
  fi
  ports_free azurite "$ABS_PORT" || return 1
  mkdir -p "$TS/azurite"
  # --disableTelemetry: azurite otherwise reports to Azure Application Insights (off-machine traffic).
  # --skipApiVersionCheck: @azure/storage-blob 12.32 sends an API version newer than azurite 3.35 knows.
  spawn azurite "$TS/azurite" node "$bin" --blobHost 127.0.0.1 --blobPort "$ABS_PORT" --inMemoryPersistence \
    --disableTelemetry --skipApiVersionCheck --silent
}

gcs_ready() { answers_http "http://127.0.0.1:$GCS_PORT/"; }

launch_gcs() {
  if alive gcs; then
    say "gcs emulator already running"
    return 0
  fi
  stop_proc gcs
  fresh_logs gcs
  if [ ! -f "$TS/npm/node_modules/firebase-tools/package.json" ]; then
    FAIL_REASON="firebase-tools is not installed (run: bash scripts/storage-servers/servers.sh install)"
    return 1
  fi
  ports_free gcs "$GCS_PORT" || return 1
  rm -rf "$TS/gcs"
  mkdir -p "$TS/gcs/tmp"
  # TMPDIR: the emulator keeps uploaded bytes under $TMPDIR/firebase; keep them in .test-servers.
  # METADATA_SERVER_DETECTION=none: google-auth-library must never probe 169.254.169.254.
  spawn gcs "$TS/gcs" env TMPDIR="$TS/gcs/tmp" METADATA_SERVER_DETECTION=none \
    GCS_HOST=127.0.0.1 GCS_PORT="$GCS_PORT" GCS_PROJECT=demo-test \
    node "$HERE/gcs-emulator.cjs" "$TS/npm"
}

# ---------------------------------------------------------------------------------------------------

env_for() {
  case $1 in
    swift)
      cat <<E
export TEST_S3_ENDPOINT=http://127.0.0.1:$SWIFT_PORT
export TEST_S3_REGION=us-east-1
export TEST_S3_KEY=test:tester
export TEST_S3_SECRET=testing
export TEST_SWIFT_AUTH_URL=http://127.0.0.1:$SWIFT_PORT/auth/v1.0
export TEST_SWIFT_AUTH_VERSION=1
export TEST_SWIFT_USER=test:tester
export TEST_SWIFT_KEY=testing
E
      ;;
    azurite)
      cat <<E
export TEST_ABS_ACCOUNT=$ABS_ACCOUNT
export TEST_ABS_KEY='$ABS_KEY'
export TEST_ABS_ENDPOINT=http://127.0.0.1:$ABS_PORT/$ABS_ACCOUNT
export TEST_ABS_CONNECTION_STRING='DefaultEndpointsProtocol=http;AccountName=$ABS_ACCOUNT;AccountKey=$ABS_KEY;BlobEndpoint=http://127.0.0.1:$ABS_PORT/$ABS_ACCOUNT;'
E
      ;;
    gcs)
      cat <<E
export TEST_GCS_ENDPOINT=http://127.0.0.1:$GCS_PORT
export TEST_GCS_PROJECT=demo-test
E
      ;;
  esac
}

unset_for() {
  case $1 in
    swift) echo "unset TEST_S3_ENDPOINT TEST_S3_REGION TEST_S3_KEY TEST_S3_SECRET TEST_SWIFT_AUTH_URL TEST_SWIFT_AUTH_VERSION TEST_SWIFT_USER TEST_SWIFT_KEY" ;;
    azurite) echo "unset TEST_ABS_ACCOUNT TEST_ABS_KEY TEST_ABS_ENDPOINT TEST_ABS_CONNECTION_STRING" ;;
    gcs) echo "unset TEST_GCS_ENDPOINT TEST_GCS_PROJECT" ;;
  esac
}

# So that a failure report never shows an earlier run's log.
fresh_logs() {
  local p
  for p in $(procs_of "$1"); do : >"$LOGS/$p.log"; done
  [ "$1" != swift ] || : >"$LOGS/swift-rings.log"
}

log_tails() {
  local p
  for p in $(procs_of "$1") $([ "$1" != swift ] || echo swift-rings); do
    [ -s "$LOGS/$p.log" ] && printf -- '--- %s\n%s\n' "$LOGS/$p.log" "$(tail -n 15 "$LOGS/$p.log")"
  done
}

cannot_start() {
  local p tails
  failed+=("$1")
  tails=$(log_tails "$1")
  banner "storage servers: $1 CANNOT START: $FAIL_REASON" "Its tests will be SKIPPED." \
    ${tails:+"Tail of its logs:" "$tails"}
  for p in $(procs_of "$1"); do stop_proc "$p"; done
}

cmd_start() {
  local s failed=() launched=() pending=() started=()
  mkdir -p "$LOGS" "$RUN"
  rm -f "$TS/env.sh"
  # The caller's stop trap is not set yet while start runs: clean up here if interrupted.
  trap 'banner "storage servers: start interrupted; stopping what it started"; cmd_stop; exit 130' INT TERM
  # Launch all, then wait for each: their start-up work overlaps.
  for s in swift azurite gcs; do
    FAIL_REASON=
    LAUNCHED_AT[$s]=$(now_ms)
    if "launch_$s"; then launched+=("$s"); else cannot_start "$s"; fi
  done
  while [ ${#launched[@]} -gt 0 ]; do
    pending=()
    for s in "${launched[@]}"; do
      FAIL_REASON=
      poll_ready "$s"
      case $? in
        0) started+=("$s") ;;
        1) cannot_start "$s" ;;
        *) pending+=("$s") ;;
      esac
    done
    launched=("${pending[@]}")
    [ ${#launched[@]} -eq 0 ] || sleep 0.2
  done
  {
    echo "# Written by scripts/storage-servers/servers.sh start; removed by stop."
    # Tests must never reach a cloud metadata service, whatever credential chain an SDK walks.
    echo "export METADATA_SERVER_DETECTION=none"
    echo "export AWS_EC2_METADATA_DISABLED=true"
    # Swift's s3api rejects aws-chunked bodies (501) and s3rver-like servers store them verbatim.
    echo "export AWS_REQUEST_CHECKSUM_CALCULATION=WHEN_REQUIRED"
    echo "export AWS_RESPONSE_CHECKSUM_VALIDATION=WHEN_REQUIRED"
    for s in "${started[@]}"; do env_for "$s"; done
    for s in "${failed[@]}"; do unset_for "$s"; done
    echo "export TEST_SERVERS_MISSING='${failed[*]}'"
  } >"$TS/env.sh.tmp"
  mv "$TS/env.sh.tmp" "$TS/env.sh"
  trap - INT TERM
  if [ ${#failed[@]} -gt 0 ]; then
    if strict; then
      banner "storage servers: strict mode (TEST_SERVERS_STRICT=1 or CI=true): failing because ${failed[*]} did not start"
      cmd_stop
      exit 1
    fi
    return 0
  fi
  say "all storage servers running; variables in $TS/env.sh"
}

cmd_stop() {
  local i
  # Reverse start order: clients (proxy) before what they depend on (backends, memcached).
  for ((i = ${#ALL_PROCS[@]} - 1; i >= 0; i--)); do stop_proc "${ALL_PROCS[i]}"; done
  rm -f "$TS/env.sh"
  return 0
}

cmd_status() {
  local p pid
  for p in "${ALL_PROCS[@]}"; do
    if alive "$p"; then
      printf '%-16s running (pid %s)\n' "$p" "$(pid_of "$p")"
    elif pid=$(pid_of "$p"); then
      printf '%-16s NOT running (stale pid file: %s)\n' "$p" "$pid"
    else
      printf '%-16s stopped\n' "$p"
    fi
  done
  printf '%-16s swift/s3 %s, azurite %s, gcs %s (127.0.0.1)\n' ports "$SWIFT_PORT" "$ABS_PORT" "$GCS_PORT"
  if [ -f "$TS/env.sh" ]; then echo "env: $TS/env.sh"; else echo "env: none (not started)"; fi
}

case ${1:-} in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 install|start|stop|status" >&2
    exit 2
    ;;
esac
