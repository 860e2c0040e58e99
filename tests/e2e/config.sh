#!/usr/bin/env bash
# e2e 4 (config): every broken config in tests/config/bad/ must make `ichannel-feed --check`
# (and a normal start) exit with status 2, print each of its expected messages ("# expect:
# LINE:COL: KEY: REASON" header lines; printed as "FILE:LINE:COL: KEY: REASON"), and create
# nothing: no channel, no statistics segment, no DPDK runtime or hugepage file. As root the
# daemon runs in a private mount namespace with fresh tmpfs on /dev/shm, /run and /dev/hugepages
# (where channels, the statistics segment and DPDK runtime files would go), and the test checks
# they are still empty afterwards (/tmp is not covered: the source and build trees may live
# there, as in CI clones); without root only the
# exit status, the message and the (empty) working directory are checked.
source "$(dirname "$0")/lib.sh"
e2e_init config
e2e_need_bins ICHANNEL_FEED

BAD_DIR=${ICHANNEL_BAD_CONFIGS:-$(cd "$(dirname "$0")/../config/bad" && pwd)}
shopt -s nullglob
files=("$BAD_DIR"/*.yaml "$BAD_DIR"/*.yml)
((${#files[@]} > 0)) || e2e_skip "no bad configs in $BAD_DIR"

isolate=0
if [[ $(id -u) -eq 0 ]] && unshare -m true 2>/dev/null; then isolate=1; fi
((isolate)) || e2e_log "not root: cannot isolate the mounts; checking exit status and messages only"

# run_isolated CWD OUT ERR CMD...: run CMD; as root inside a private mount namespace whose
# /dev/shm, /run, /dev/hugepages are empty tmpfs; prints the files CMD left there into
# $E2E_TMP/leftovers.
run_isolated() {
  local cwd=$1 out=$2 err=$3
  shift 3
  if ((isolate)); then
    unshare -m bash -c '
      set -u
      cwd=$1 out=$2 err=$3 left=$4; shift 4
      mount --make-rprivate / 2>/dev/null
      for d in /dev/shm /run /dev/hugepages; do
        [[ -d $d ]] && mount -t tmpfs -o size=16m e2e-empty "$d"
      done
      exec 5<"$cwd" 6>"$out" 7>"$err" 8>"$left"
      # Baseline after the mounts (mount(8) itself may write /run/mount/utab).
      before=$(find /dev/shm /run /dev/hugepages -mindepth 1 2>/dev/null | sort)
      cd /proc/self/fd/5 && "$@" >&6 2>&7
      rc=$?
      after=$(find /dev/shm /run /dev/hugepages -mindepth 1 2>/dev/null | sort)
      comm -13 <(echo "$before") <(echo "$after") >&8
      exit $rc' isolated "$cwd" "$out" "$err" "$E2E_TMP/leftovers" "$@"
  else
    (cd "$cwd" && "$@" >"$out" 2>"$err")
  fi
}

failures=0
checked=0
for f in "${files[@]}"; do
  name=$(basename "$f")
  # Every "# expect: LINE:COL: KEY: REASON" (or "# expect: REASON" for errors without a position)
  # must appear as the full message "FILE:LINE:COL: KEY: REASON" / "FILE: REASON".
  mapfile -t expects < <(grep -E '^#[[:space:]]*expect:' "$f" | sed -E 's/^#[[:space:]]*expect:[[:space:]]*//')
  if ((${#expects[@]} == 0)); then
    echo "FAIL $name: no '# expect: ...' header line" >&2
    failures=$((failures + 1))
    continue
  fi
  for mode in --check run; do
    cwd="$E2E_TMP/cwd"
    rm -rf "$cwd" && mkdir -p "$cwd"
    : >"$E2E_TMP/leftovers"
    args=(--config "$f")
    [[ $mode == --check ]] && args+=(--check)
    rc=0
    run_isolated "$cwd" "$E2E_TMP/out" "$E2E_TMP/err" timeout 20 "$ICHANNEL_FEED" "${args[@]}" || rc=$?
    problem=""
    if [[ $rc -ne 2 ]]; then
      problem="exit status $rc, expected 2"
    else
      for expect in "${expects[@]}"; do
        if [[ $expect =~ ^[0-9]+:[0-9]+: ]]; then want="$f:$expect"; else want="$f: $expect"; fi
        if ! grep -qF -- "$want" "$E2E_TMP/err"; then
          problem="expected message not printed: $want"
          break
        fi
      done
    fi
    if [[ -n "$problem" ]]; then
      :
    elif [[ -s "$E2E_TMP/leftovers" ]]; then
      problem="created files: $(tr '\n' ' ' <"$E2E_TMP/leftovers")"
    elif [[ -n "$(ls -A "$cwd")" ]]; then
      problem="created files in the working directory: $(ls -A "$cwd" | tr '\n' ' ')"
    fi
    if [[ -n "$problem" ]]; then
      echo "FAIL $name ($mode): $problem" >&2
      sed 's/^/    stderr: /' "$E2E_TMP/err" | head -n 10 >&2
      failures=$((failures + 1))
    else
      checked=$((checked + 1))
    fi
  done
done
e2e_log "$checked checks passed over ${#files[@]} bad configs, $failures failed (isolated mounts: $isolate)"
((failures == 0)) || exit 1
