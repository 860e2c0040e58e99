#!/bin/sh
# check.sh: verify tests/model/ring.pml with Spin for ring capacities 2 and 4, and check that the
# model is not vacuous (a mutant without the receiver's re-check must fail).
# Usage: check.sh [path/to/ring.pml]   (runs in a fresh temp dir; needs spin and a C compiler)
set -eu
model=${1:-$(dirname "$0")/ring.pml}
model=$(cd "$(dirname "$model")" && pwd)/$(basename "$model")
[ -f "$model" ] || { echo "FAIL: no model at $model"; exit 1; }
cc=${CC:-cc}
work=$(mktemp -d "${TMPDIR:-/tmp}/ichannel-spin.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"

verify() {  # verify NAME EXPECT(pass|fail) SPIN-DEFINES...
  name=$1; expect=$2; shift 2
  rm -f pan pan.* ring.pml.trail
  spin "$@" -a "$model" >spin.log 2>&1 || { cat spin.log; echo "FAIL $name: spin -a"; exit 1; }
  "$cc" -O2 -w -DSAFETY -DCOLLAPSE -DVECTORSZ=2048 -o pan pan.c || { echo "FAIL $name: cc"; exit 1; }
  ./pan -m200000 >pan.log 2>&1 || true
  errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' pan.log | head -n1)
  states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' pan.log | head -n1)
  if [ -z "$errors" ]; then cat pan.log; echo "FAIL $name: no result from pan"; exit 1; fi
  if grep -q "max search depth too small" pan.log; then
    cat pan.log; echo "FAIL $name: search depth exceeded (incomplete search)"; exit 1
  fi
  if [ "$expect" = pass ] && [ "$errors" -ne 0 ]; then
    cat pan.log; spin -t -p "$model" 2>/dev/null | tail -n 40 || true
    echo "FAIL $name: $errors error(s)"; exit 1
  fi
  if [ "$expect" = fail ] && [ "$errors" -eq 0 ]; then
    cat pan.log; echo "FAIL $name: mutant not caught (model is vacuous)"; exit 1
  fi
  echo "ok   $name: errors $errors, states $states (expected $expect)"
}

verify "capacity 2" pass -DCAP=2 -DMSGS=6
verify "capacity 4" pass -DCAP=4 -DMSGS=7
verify "capacity 2 mutant: no re-check" fail -DCAP=2 -DMSGS=6 -DMUTANT
verify "capacity 4 mutant: no dirty mark" fail -DCAP=4 -DMSGS=7 -DMUTANT_NO_DIRTY
echo "spin: ring model verified"
