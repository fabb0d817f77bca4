#!/usr/bin/env bash
# make bench: imports a large CT study and many small MR files with custos and, side by side
# in the same run, measures the copy-and-hash floor and Orthanc doing the same job, then
# prints the figures and their ratios next to the targets. See bench/README.md.
#
# usage: bench/run.sh CUSTOS_BIN
# env:   BENCH_CT_SLICES (400)  BENCH_SMALL_N (6000)  BENCH_SKIP_ORTHANC=1
#        BENCH_IMPORT_RUNS (3: custos imports per set and kind; the median counts)
#        BENCH_DATA_DIR (bench/data)  BENCH_STEP_TIMEOUT (1800 s per timed step)
# Exit status: 0 when every measurement ran (missed targets are figures, not failures);
# 1 when something broke; 2 on usage error.
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME and awk must agree on the decimal point

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CT_SLICES=${BENCH_CT_SLICES:-400}
CT_SIZE=512
SMALL_N=${BENCH_SMALL_N:-6000}
SMALL_STUDIES=40
SEED=1
SKIP_ORTHANC=${BENCH_SKIP_ORTHANC:-0}
IMPORT_RUNS=${BENCH_IMPORT_RUNS:-3}
STEP_TIMEOUT=${BENCH_STEP_TIMEOUT:-1800}
ORTHANC=/usr/sbin/Orthanc
SCU_AET=BENCHSCU
PDU=131072 # the largest PDU Orthanc accepts: gives the DIMSE path its best chance

BROKEN=0       # set to 1 when a measurement could not be made; decides the exit status
WORK=""        # scratch dir for copies, vaults and Orthanc storage; removed on exit
PARTIAL=""     # a data set being generated; removed if generation is interrupted
ORTHANC_PID="" # the Orthanc we started, if it is running
ORTHANC_HWM=""
RESULTS=""     # TSV: set method files bytes seconds peak_rss_kib ok note

log() { printf 'bench: %s\n' "$*" >&2; }
broke() {
  log "FAILED: $*"
  BROKEN=1
}

usage() {
  echo "usage: bench/run.sh CUSTOS_BIN" >&2
  exit 2
}

# --- processes and cleanup ---------------------------------------------------------------

# Stops one process we started: TERM, a bounded wait, then KILL.
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "process $pid ignored SIGTERM for 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  if [[ -n $ORTHANC_PID ]]; then stop_pid "$ORTHANC_PID"; fi
  if [[ -n $PARTIAL ]]; then rm -rf "$PARTIAL"; fi
  if [[ -n $WORK ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a timed step with an upper bound, so a hung server or client cannot stall the run.
bounded() { timeout --foreground --kill-after=10 "$STEP_TIMEOUT" "$@"; }

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

record() { # set method files bytes seconds rss_kib ok note
  local IFS=$'\t'
  echo "$*" >>"$RESULTS"
}

# --- data sets ---------------------------------------------------------------------------

# Files and bytes of a set, as "FILES BYTES".
set_size() { find "$1" -type f -printf '%s\n' | awk '{ n++; b += $1 } END { printf "%d %d\n", n, b }'; }

# Generates a set once. The folder name carries the parameters and a hash of the generator,
# so changing either makes a new set instead of silently reusing a stale one. Generation
# goes to a side folder renamed at the end: a half-written set is never taken as cached.
ensure_set() { # dir generator args...
  local dir=$1 gen=$2
  shift 2
  if [[ -d $dir ]]; then
    log "using cached $(basename "$dir")"
    return 0
  fi
  log "generating $(basename "$dir") (once; cached in $(dirname "$dir"))"
  PARTIAL="$dir.partial.$$"
  rm -rf "$PARTIAL"
  "$HERE/$gen" "$PARTIAL" "$@" >/dev/null
  mv "$PARTIAL" "$dir"
  PARTIAL=""
}

set_dir() { # kind generator params...
  local kind=$1 gen=$2 hash
  shift 2
  hash=$(sha256sum "$HERE/$gen" | cut -c1-8)
  local IFS=-
  echo "$DATA/$kind-$*-$hash"
}

# Reads every file once so that all contenders start from the page cache, instead of the
# first one paying the disk reads for the others. Caches are not dropped: that needs root
# and slows everyone else on a shared machine.
warm() { find "$1" -type f -exec cat {} + >/dev/null; }

# Flushes what the previous step left dirty (deleted trees, Orthanc's index), outside the
# timed region, so it is not charged to the next contender.
settle() { sync; }

# --- the floor: cp + sync + sha256sum ----------------------------------------------------

run_floor() { # label set files bytes
  local label=$1 set=$2 files=$3 bytes=$4 dst="$WORK/floor-$1" t0 t1
  log "$label: floor (cp -r, sync, sha256sum)"
  settle
  t0=$EPOCHREALTIME
  if bounded cp -r "$set" "$dst" && sync &&
    bounded find "$dst" -type f -exec sha256sum {} + >/dev/null; then
    t1=$EPOCHREALTIME
    record "$label" floor "$files" "$bytes" "$(elapsed "$t0" "$t1")" "" 1 ""
  else
    broke "$label floor"
    record "$label" floor "$files" "$bytes" "" "" 0 "cp/sha256sum failed"
  fi
  rm -rf "$dst"
}

# --- custos ------------------------------------------------------------------------------

json_field() { # file key: prints the value, or nothing if the file is not that JSON
  /usr/bin/python3 - "$1" "$2" <<'EOF' 2>/dev/null || true
import json, sys
value = json.load(open(sys.argv[1])).get(sys.argv[2])
print(len(value) if isinstance(value, list) else value)
EOF
}

custos_failed() { # label files bytes note stderr_file
  broke "$1 custos: $4"
  if [[ -s $5 ]]; then tail -n 5 "$5" | sed 's/^/    custos: /' >&2; fi
  record "$1" custos "$2" "$3" "" "" 0 "$4"
}

# Import into a fresh vault: plain (init --no-encryption) or encrypted (the default). Two
# rows: the wall time of the command, and the import's own time from its summary, which
# leaves out the fixed half second of Argon2id that unlocking an encrypted vault costs.
run_custos() { # label set files bytes [encrypted]
  local label=$1 set=$2 files=$3 bytes=$4 mode=${5:-plain}
  local method=custos init_args=(--no-encryption)
  if [[ $mode == encrypted ]]; then method=custos-encrypted; init_args=(); fi
  local vault="$WORK/vault-$1-$mode" out="$WORK/custos-$1-$mode.json" err="$WORK/custos-$1-$mode.err"
  local rss="$WORK/custos-$1-$mode.rss" t0 t1 rc added
  export CUSTOS_PASSPHRASE=bench-passphrase
  log "$label: custos import ($mode)"
  if [[ ! -x $BIN ]]; then
    custos_failed "$label" "$files" "$bytes" "no executable at $BIN" /dev/null
    return
  fi
  if ! CUSTOS_VAULT="$vault" bounded "$BIN" --vault "$vault" init "${init_args[@]}" >/dev/null 2>"$err"; then
    custos_failed "$label" "$files" "$bytes" "init failed" "$err"
    rm -rf "$vault"
    return
  fi
  settle
  t0=$EPOCHREALTIME
  rc=0
  CUSTOS_VAULT="$vault" bounded /usr/bin/time -f '%M' -o "$rss" \
    "$BIN" --vault "$vault" import "$set" --json >"$out" 2>"$err" || rc=$?
  t1=$EPOCHREALTIME
  added=$(json_field "$out" instances_added)
  if [[ $rc -ne 0 ]]; then
    custos_failed "$label" "$files" "$bytes" "import exit status $rc" "$err"
  elif [[ $added != "$files" ]]; then
    custos_failed "$label" "$files" "$bytes" "instances_added=${added:-?}, expected $files" "$err"
  else
    record "$label" "$method" "$files" "$bytes" "$(elapsed "$t0" "$t1")" "$(tail -n 1 "$rss")" 1 ""
    record "$label" "$method:import" "$files" "$bytes" "$(json_field "$out" seconds)" "" 1 ""
  fi
  rm -rf "$vault"
}

# --- Orthanc -----------------------------------------------------------------------------

# Two free loopback ports. The kernel picks them; a port taken again before Orthanc binds
# it makes Orthanc exit, and orthanc_start retries with new ones.
free_ports() {
  /usr/bin/python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))'
}

# Orthanc 1.10 has no bind-address option: both servers listen on all interfaces. What keeps
# them private: RemoteAccessAllowed=false refuses HTTP from any other host, and DICOM
# accepts only the calling AE title BENCHSCU from 127.0.0.1 (a declared modality with
# DicomCheckModalityHost) instead of DicomAlwaysAllowStore, which would take stores
# from anyone. Durability as shipped: SyncStorageArea=true fsyncs every stored file.
write_orthanc_config() { # dir http_port dicom_port
  cat >"$1/orthanc.json" <<EOF
{
  "Name": "bench",
  "StorageDirectory": "$1/storage",
  "IndexDirectory": "$1/index",
  "TemporaryDirectory": "$1/tmp",
  "HttpPort": $2,
  "DicomPort": $3,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "DicomServerEnabled": true,
  "DicomAet": "ORTHANC",
  "DicomCheckCalledAet": false,
  "DicomAlwaysAllowStore": false,
  "DicomAlwaysAllowEcho": false,
  "DicomCheckModalityHost": true,
  "DicomModalities": { "bench": { "AET": "$SCU_AET", "Host": "127.0.0.1", "Port": 9 } },
  "MaximumPduLength": $PDU,
  "Plugins": [],
  "LuaScripts": [],
  "StorageCompression": false,
  "SyncStorageArea": true,
  "KeepAlive": true,
  "TcpNoDelay": true,
  "OrthancExplorerEnabled": false,
  "WebDavEnabled": false,
  "SaveJobs": false
}
EOF
}

# Waits (at most 30 s) until Orthanc answers on HTTP; fails early if it died.
wait_orthanc() {
  local i
  for ((i = 0; i < 150; i++)); do
    kill -0 "$ORTHANC_PID" 2>/dev/null || return 1
    curl -sf --max-time 1 "http://127.0.0.1:$HTTP_PORT/system" >/dev/null && return 0
    sleep 0.2
  done
  return 1
}

# Starts a fresh Orthanc in DIR; sets ORTHANC_PID, HTTP_PORT, DICOM_PORT.
# TCP_NODELAY=1: Debian's DCMTK 3.6.7 is built without DISABLE_NAGLE_ALGORITHM, so its DICOM
# sockets keep Nagle's algorithm (10x slower on loopback) unless this environment variable
# is set; Orthanc 1.10 has no DICOM option for it ("TcpNoDelay" is its HTTP server only),
# but it uses the same libdcmnet, which reads the variable on every accepted association.
orthanc_start() {
  local dir=$1 attempt
  mkdir -p "$dir/storage" "$dir/index" "$dir/tmp"
  for attempt in 1 2 3; do
    read -r HTTP_PORT DICOM_PORT < <(free_ports)
    write_orthanc_config "$dir" "$HTTP_PORT" "$DICOM_PORT"
    TCP_NODELAY=1 "$ORTHANC" --no-jobs "$dir/orthanc.json" >"$dir/orthanc.log" 2>&1 &
    ORTHANC_PID=$!
    if wait_orthanc; then return 0; fi
    stop_pid "$ORTHANC_PID"
    ORTHANC_PID=""
    log "Orthanc did not start (attempt $attempt); last log lines:"
    tail -n 3 "$dir/orthanc.log" | sed 's/^/    orthanc: /' >&2
  done
  return 1
}

# Stops Orthanc; sets ORTHANC_HWM to its peak RSS in KiB (VmHWM, read while it is alive).
# Not called in $(...): the stop must happen in this shell, which is Orthanc's parent and
# the one that forgets its PID.
orthanc_stop() {
  ORTHANC_HWM=$(awk '/^VmHWM:/ { print $2 }' "/proc/$ORTHANC_PID/status" 2>/dev/null || true)
  stop_pid "$ORTHANC_PID"
  ORTHANC_PID=""
}

orthanc_count() {
  curl -sf --max-time 10 "http://127.0.0.1:$HTTP_PORT/statistics" >"$1.stats" || true
  json_field "$1.stats" CountInstances
}

# Sends the set with DCMTK's storescu: one association, every file, as a modality would.
send_storescu() { # set dir
  # TCP_NODELAY=1 disables Nagle's algorithm on storescu's socket (see orthanc_start).
  TCP_NODELAY=1 bounded storescu -aet "$SCU_AET" -aec ORTHANC -pdu "$PDU" -nh +sd +r \
    127.0.0.1 "$DICOM_PORT" "$1" >"$2/client.log" 2>&1
}

# Sends the set with the REST API: one curl process, one kept-alive connection, one
# POST /instances per file. The request list goes in a config file, not on the command
# line, so thousands of files do not hit the argument-length limit.
send_rest() { # set dir
  local cfg="$2/curl.cfg" f sep=""
  : >"$cfg"
  while IFS= read -r -d '' f; do
    f=${f//\\/\\\\}
    f=${f//\"/\\\"}
    # "next" separates requests; a trailing one would start an empty, failing request.
    printf '%surl = "http://127.0.0.1:%s/instances"\ndata-binary = "@%s"\n' "$sep" "$HTTP_PORT" "$f"
    printf 'header = "Content-Type: application/dicom"\nheader = "Expect:"\n'
    printf 'output = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n'
    sep=$'next\n'
  done < <(find "$1" -type f -print0 | sort -z) >>"$cfg"
  bounded curl -s -K "$cfg" >"$2/codes" 2>"$2/client.log" || return 1
  local bad
  bad=$(grep -cv '^200$' "$2/codes" || true)
  [[ $bad -eq 0 ]] || { echo "$bad requests not answered 200" >>"$2/client.log"; return 1; }
}

run_orthanc() { # label set files bytes method(storescu|rest)
  local label=$1 set=$2 files=$3 bytes=$4 how=$5 dir="$WORK/orthanc-$1-$5" t0 t1 rc stored hwm
  log "$label: Orthanc via $how"
  mkdir -p "$dir"
  if ! orthanc_start "$dir"; then
    broke "$label orthanc-$how: Orthanc would not start"
    record "$label" "orthanc-$how" "$files" "$bytes" "" "" 0 "Orthanc would not start"
    rm -rf "$dir"
    return
  fi
  settle
  t0=$EPOCHREALTIME
  rc=0
  "send_$how" "$set" "$dir" || rc=$?
  t1=$EPOCHREALTIME
  stored=$(orthanc_count "$dir/count")
  orthanc_stop
  hwm=$ORTHANC_HWM
  if [[ $rc -ne 0 || $stored != "$files" ]]; then
    broke "$label orthanc-$how: client status $rc, Orthanc holds ${stored:-?} of $files"
    tail -n 5 "$dir/client.log" | sed 's/^/    client: /' >&2
    record "$label" "orthanc-$how" "$files" "$bytes" "" "$hwm" 0 "stored ${stored:-?}/$files"
  else
    record "$label" "orthanc-$how" "$files" "$bytes" "$(elapsed "$t0" "$t1")" "$hwm" 1 ""
  fi
  rm -rf "$dir"
}

# --- one set, all contenders -------------------------------------------------------------

bench_set() { # label set
  local label=$1 set=$2 files bytes
  read -r files bytes < <(set_size "$set")
  log "$label: $files files, $bytes bytes"
  warm "$set"
  run_floor "$label" "$set" "$files" "$bytes"
  # Plain and encrypted alternate, IMPORT_RUNS times each: the report keeps the median of
  # each, so one disturbed run does not decide the encrypted / plain ratio.
  local run
  for ((run = 1; run <= IMPORT_RUNS; run++)); do
    run_custos "$label" "$set" "$files" "$bytes"
    run_custos "$label" "$set" "$files" "$bytes" encrypted
  done
  if [[ $SKIP_ORTHANC == 1 ]]; then
    record "$label" orthanc-storescu "$files" "$bytes" "" "" 0 "skipped"
    record "$label" orthanc-rest "$files" "$bytes" "" "" 0 "skipped"
    return
  fi
  run_orthanc "$label" "$set" "$files" "$bytes" storescu
  run_orthanc "$label" "$set" "$files" "$bytes" rest
}

check_tools() {
  local t missing=()
  for t in /usr/bin/python3 /usr/bin/time timeout sha256sum; do
    command -v "$t" >/dev/null || missing+=("$t")
  done
  /usr/bin/python3 -c 'import pydicom, numpy' 2>/dev/null || missing+=(python3-pydicom/python3-numpy)
  if [[ ${#missing[@]} -gt 0 ]]; then
    log "missing: ${missing[*]} (run scripts/bootstrap.sh)"
    exit 1
  fi
  if [[ $SKIP_ORTHANC != 1 ]]; then
    for t in "$ORTHANC" storescu curl; do
      if ! command -v "$t" >/dev/null; then
        broke "$t not found; Orthanc figures skipped (BENCH_SKIP_ORTHANC=1 to skip on purpose)"
        SKIP_ORTHANC=1
      fi
    done
  fi
}

# The scratch dir lives next to the data, on a real disk: on tmpfs fsync is free and the
# figures would flatter whoever calls it most.
make_work() {
  WORK=$(mktemp -d "$DATA/scratch.XXXXXX")
  local fs
  fs=$(stat -f -c %T "$WORK")
  if [[ $fs == tmpfs || $fs == ramfs ]]; then
    log "WARNING: $WORK is on $fs; fsync costs nothing there, figures are not representative"
  fi
}

main() {
  [[ $# -eq 1 ]] || usage
  BIN=$(realpath -m "$1")
  check_tools
  mkdir -p "${BENCH_DATA_DIR:-$HERE/data}"
  DATA=$(cd "${BENCH_DATA_DIR:-$HERE/data}" && pwd)

  local ct small
  ct=$(set_dir ct gen_ct.py "$CT_SLICES" "$CT_SIZE" "$SEED")
  small=$(set_dir small gen_small.py "$SMALL_N" "$SMALL_STUDIES" "$SEED")
  ensure_set "$ct" gen_ct.py "$CT_SLICES" "$CT_SIZE" "$SEED"
  ensure_set "$small" gen_small.py "$SMALL_N" "$SMALL_STUDIES" "$SEED"

  make_work
  RESULTS="$WORK/results.tsv"
  : >"$RESULTS"
  bench_set ct "$ct"
  bench_set small "$small"

  cp "$RESULTS" "$DATA/last-results.tsv"
  /usr/bin/python3 "$HERE/report.py" "$RESULTS"
  # The cost of parsing headers in the isolated worker process rather than in-process.
  local micro
  micro="$(dirname "$BIN")/parse_isolation_bench"
  if [[ -x $micro ]]; then
    echo
    "$micro" "$small" 3 || broke "parse isolation micro-benchmark failed"
  fi
  if [[ $BROKEN -ne 0 ]]; then
    log "some measurements failed (see FAILED lines above)"
    exit 1
  fi
}

main "$@"
