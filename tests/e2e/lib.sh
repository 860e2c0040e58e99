# tests/e2e/lib.sh: shared helpers of the end-to-end scripts (sourced, not run).
#
# Contract
# - e2e_init NAME: strict mode, a private temp dir $E2E_TMP (channel dir $E2E_CHANNELS inside), a
#   unique DPDK file prefix $E2E_PREFIX, and an EXIT trap that kills every process started with
#   e2e_bg, deletes namespaces/veths registered with e2e_netns_cleanup, DPDK runtime and hugepage
#   files of the prefix, and the temp dir - also when the test fails.
# - Binaries come from the environment (meson passes them): ICHANNEL_FEED, ICHANNEL_TAP,
#   ICHANNEL_STAT, ICHANNEL_SIM, ICHANNEL_EXPECT; e2e_need_bins checks them (skip 77 if missing).
# - Exit codes follow meson's exitcode protocol: 0 pass, 77 skip (reason on stdout), else fail.
# - e2e_config OUT NAME=VALUE...: the daemon's config, rendered from the one template of the tests
#   (tests/support/feed-config.yaml.in; its values are listed there); fails the test when a value
#   is missing or unknown.

set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../support/feed-config.sh"

E2E_PIDS=()
E2E_NETNS=()
E2E_LINKS=()
E2E_KEEP=${E2E_KEEP:-0}

e2e_log() { printf '[%s] %s: %s\n' "$(date +%H:%M:%S.%N | cut -c1-12)" "$E2E_NAME" "$*"; }
e2e_skip() { echo "SKIP: $E2E_NAME: $*"; exit 77; }
e2e_fail() {
  echo "FAIL: $E2E_NAME: $*" >&2
  exit 1
}

e2e_cleanup() {
  local rc=$?
  set +e
  for pid in "${E2E_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${E2E_PIDS[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for ns in "${E2E_NETNS[@]}"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  for link in "${E2E_LINKS[@]}"; do ip link del "$link" 2>/dev/null; done
  if [[ -n "${E2E_PREFIX:-}" ]]; then
    rm -rf "/var/run/dpdk/$E2E_PREFIX" "/run/dpdk/$E2E_PREFIX" 2>/dev/null
    rm -f /dev/hugepages/"$E2E_PREFIX"map_* /dev/hugepages/ichannel/"$E2E_PREFIX"* 2>/dev/null
  fi
  [[ -n "${E2E_HUGE_DIR:-}" ]] && rm -rf "$E2E_HUGE_DIR"
  [[ -n "${E2E_STATS:-}" ]] && rm -f "$E2E_STATS"
  declare -F e2e_hugepages_restore >/dev/null && e2e_hugepages_restore
  if [[ $rc -ne 0 && $rc -ne 77 && -n "${E2E_TMP:-}" && -d "$E2E_TMP" ]]; then
    echo "--- $E2E_NAME failed (rc $rc); logs in $E2E_TMP:" >&2
    for f in "$E2E_TMP"/*.log "$E2E_TMP"/*.err; do
      [[ -f "$f" ]] || continue
      echo "--- $f (last 25 lines)" >&2
      tail -n 25 "$f" >&2
    done
  fi
  if [[ "$E2E_KEEP" != 1 && -n "${E2E_TMP:-}" ]]; then rm -rf "$E2E_TMP"; fi
  exit $rc
}

e2e_init() {
  E2E_NAME=$1
  E2E_TMP=$(mktemp -d "/tmp/ichannel-e2e-$E2E_NAME.XXXXXX")
  E2E_CHANNELS="$E2E_TMP/channels"
  mkdir -p "$E2E_CHANNELS"
  E2E_PREFIX="ice2e_${E2E_NAME}_$$"
  trap e2e_cleanup EXIT
  trap 'exit 130' INT TERM
}

e2e_config() {
  feed_config_render "$@" || e2e_fail "cannot render the config template"
}

e2e_need_root() {
  [[ $(id -u) -eq 0 ]] || e2e_skip "needs root ($1)"
}

e2e_need_bins() {
  local v
  for v in "$@"; do
    local path=${!v:-}
    [[ -n "$path" && -x "$path" ]] || e2e_skip "binary $v not built (${path:-unset})"
  done
}

# e2e_bg LOGFILE CMD...: start CMD in the background, stdout to LOGFILE, stderr to LOGFILE.err;
# its pid in $E2E_LAST_PID, killed by the trap.
e2e_bg() {
  local log=$1
  shift
  "$@" >"$log" 2>"$log.err" &
  E2E_LAST_PID=$!
  E2E_PIDS+=("$E2E_LAST_PID")
}

# e2e_wait_for FILE PATTERN TIMEOUT_S [PID]: wait until FILE contains PATTERN (grep -E); gives
# up early when PID (the process writing FILE) has exited.
e2e_wait_for() {
  local file=$1 pattern=$2 timeout=$3 pid=${4:-}
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if grep -qE "$pattern" "$file" 2>/dev/null; then return 0; fi
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      grep -qE "$pattern" "$file" 2>/dev/null
      return
    fi
    sleep 0.1
  done
  return 1
}

# e2e_wait_exit PID TIMEOUT_S: wait for a background process to exit; returns its status.
e2e_wait_exit() {
  local pid=$1 timeout=$2
  local deadline=$((SECONDS + timeout))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then return 124; fi
  local rc=0
  wait "$pid" || rc=$?
  return $rc
}

# e2e_json FILE EXPR: evaluate a python expression on the JSON object `j`: the whole FILE, or its
# LAST line (JSON-lines output such as ichannel-tap's summary after progress lines).
e2e_json() {
  python3 - "$1" "$2" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
try:
    j = json.loads(text)
except ValueError:
    j = json.loads([l for l in text.splitlines() if l.strip()][-1])
v = eval(sys.argv[2], {"j": j})
print(json.dumps(v) if isinstance(v, (dict, list)) else v)
PY
}

e2e_netns_cleanup() { E2E_NETNS+=("$1"); }
e2e_link_cleanup() { E2E_LINKS+=("$1"); }

# e2e_exchange_netns: network namespace "exchange-<pid>" joined to the host by a veth pair;
# sets E2E_NS, E2E_VETH_HOST (host end, read by af_packet) and E2E_VETH_EXCH (sender end, in the
# namespace, with a multicast route and transmit checksum offload off: tests/support/
# tx-checksum-off). Skips (77) when namespaces or veth are not available.
e2e_exchange_netns() {
  E2E_NS="exchange-$$"
  E2E_VETH_HOST="ve$$h"
  E2E_VETH_EXCH="ve$$x"
  ip netns add "$E2E_NS" 2>/dev/null || e2e_skip "cannot create a network namespace"
  e2e_netns_cleanup "$E2E_NS"
  ip link add "$E2E_VETH_HOST" type veth peer name "$E2E_VETH_EXCH" 2>/dev/null ||
    e2e_skip "cannot create a veth pair"
  e2e_link_cleanup "$E2E_VETH_HOST"
  ip link set "$E2E_VETH_EXCH" netns "$E2E_NS"
  ip -n "$E2E_NS" addr add 10.98.0.1/30 dev "$E2E_VETH_EXCH"
  ip -n "$E2E_NS" link set lo up
  ip -n "$E2E_NS" link set "$E2E_VETH_EXCH" up
  ip -n "$E2E_NS" route add 224.0.0.0/4 dev "$E2E_VETH_EXCH"
  # Real UDP checksums on the sender's end: the daemon verifies them in software (af_packet).
  ip netns exec "$E2E_NS" "$(dirname "${BASH_SOURCE[0]}")/../support/tx-checksum-off" \
    "$E2E_VETH_EXCH" || e2e_skip "cannot turn off transmit checksum offload on the veth"
  # The host end too: af_packet also sees what the host sends (the daemon's re-requests), which
  # would otherwise count as bad_udp_checksum instead of unrouted.
  "$(dirname "${BASH_SOURCE[0]}")/../support/tx-checksum-off" "$E2E_VETH_HOST" || true
  ip link set "$E2E_VETH_HOST" up
  # No IPv6 chatter (router solicitations, MLD) on the test link.
  sysctl -qw "net.ipv6.conf.$E2E_VETH_HOST.disable_ipv6=1" 2>/dev/null || true
}

# e2e_hugepages MB: make sure hugetlbfs is mounted on /dev/hugepages with MB free; restores the
# reservation and the mount in the EXIT trap. Returns 1 if it cannot.
E2E_HUGE_RESTORE=""
E2E_HUGE_SET=""
E2E_HUGE_UNMOUNT=0
e2e_huge_free_mb() {
  awk '/HugePages_Free/ {f=$2} /Hugepagesize/ {s=$2} END {print int(f * s / 1024)}' /proc/meminfo
}
e2e_hugepages() {
  local want=$1
  if ! mount | grep -q ' /dev/hugepages type hugetlbfs'; then
    mkdir -p /dev/hugepages
    mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || return 1
    E2E_HUGE_UNMOUNT=1
  fi
  local free
  free=$(e2e_huge_free_mb)
  if ((free < want)); then
    local size_kb pages
    size_kb=$(awk '/Hugepagesize/ {print $2}' /proc/meminfo)
    pages=$(( (want - free) * 1024 / size_kb + 1 ))
    E2E_HUGE_RESTORE=$(cat /proc/sys/vm/nr_hugepages)
    E2E_HUGE_SET=$((E2E_HUGE_RESTORE + pages))
    echo "$E2E_HUGE_SET" >/proc/sys/vm/nr_hugepages 2>/dev/null || return 1
  fi
  (($(e2e_huge_free_mb) >= want))
}
e2e_hugepages_restore() {
  if [[ -n "$E2E_HUGE_RESTORE" && "$(cat /proc/sys/vm/nr_hugepages)" == "$E2E_HUGE_SET" ]]; then
    echo "$E2E_HUGE_RESTORE" >/proc/sys/vm/nr_hugepages 2>/dev/null || true
  fi
  if ((E2E_HUGE_UNMOUNT)) && [[ -z "$(ls -A /dev/hugepages 2>/dev/null)" ]]; then
    umount /dev/hugepages 2>/dev/null || true
  fi
}
