#!/usr/bin/env bash
# setup_hugepages_test.sh: deploy/setup-hugepages is idempotent. Runs it twice against a
# temporary hugetlbfs mount point and checks the mount (gid, mode), the channel directory
# (group, setgid mode), that the second run changes nothing, and the argument errors.
# Needs root and a kernel that lets us mount hugetlbfs: skips (exit 77) otherwise.
# The reservation is requested at its current size, so the host's hugepage pool is not changed.
# Usage: setup_hugepages_test.sh <repo>/deploy/setup-hugepages
set -euo pipefail
script="${1:?usage: $0 SETUP_HUGEPAGES}"

# Argument errors need no root: exit 2 before touching anything.
for args in "" "--pages x" "--pages 1 --size 3M" "--pages 1 --mount relative" "--pages 1 --bogus"; do
  rc=0
  # shellcheck disable=SC2086  # word splitting of $args is the point
  "$script" $args >/dev/null 2>&1 || rc=$?
  if [[ $rc -ne 2 ]]; then echo "FAIL '$args' exited $rc, not 2"; exit 1; fi
done
echo "ok   bad arguments exit 2"

if [[ $EUID -ne 0 ]]; then echo "SKIP needs root (mounts hugetlbfs)"; exit 77; fi
pool=/sys/devices/system/node/node0/hugepages/hugepages-2048kB
[[ -d $pool ]] || { echo "SKIP no 2M hugepage pool on node 0"; exit 77; }

work=$(mktemp -d)
mp="$work/hugepages"
cleanup() {
  umount "$mp" 2>/dev/null || true
  umount "$work/tmpfs" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$mp"
if ! mount -t hugetlbfs nodev "$mp" 2>/dev/null; then echo "SKIP cannot mount hugetlbfs here"; exit 77; fi
umount "$mp"

group=nogroup
getent group "$group" >/dev/null || group=root
gid=$(getent group "$group" | cut -d: -f3)
pages=$(<"$pool/nr_hugepages")
args=(--pages "$pages" --node 0 --size 2M --group "$group" --mount "$mp")

first=$("$script" "${args[@]}")
while IFS= read -r line; do echo "  first: $line"; done <<<"$first"
grep -q "^mounted hugetlbfs on $mp (pagesize=2M, gid=$gid, mode=1770)$" <<<"$first" \
  || { echo "FAIL first run did not mount"; exit 1; }
grep -q "^created $mp/ichannel$" <<<"$first" || { echo "FAIL first run did not create the dir"; exit 1; }
opts=$(awk -v m="$mp" '$2 == m && $3 == "hugetlbfs" { print $4 }' /proc/mounts)
[[ ",$opts," == *",mode=1770,"* ]] || { echo "FAIL mount options '$opts' lack mode=1770"; exit 1; }
if [[ $gid != 0 && ",$opts," != *",gid=$gid,"* ]]; then echo "FAIL mount options '$opts' lack gid=$gid"; exit 1; fi
[[ "$(stat -c '%g %a' "$mp/ichannel")" == "$gid 2770" ]] \
  || { echo "FAIL $mp/ichannel is $(stat -c '%g %a' "$mp/ichannel"), not $gid 2770"; exit 1; }
echo "ok   first run mounted hugetlbfs and created the channel dir"

second=$("$script" "${args[@]}")
while IFS= read -r line; do echo "  second: $line"; done <<<"$second"
if grep -Eq '^(mounted|created|set) ' <<<"$second"; then echo "FAIL second run changed something"; exit 1; fi
[[ $(awk -v m="$mp" '$2 == m' /proc/mounts | wc -l) -eq 1 ]] || { echo "FAIL mounted twice"; exit 1; }
[[ "$(<"$pool/nr_hugepages")" == "$pages" ]] || { echo "FAIL reservation changed"; exit 1; }
echo "ok   second run changed nothing"

# A drifted directory is repaired.
chmod 0755 "$mp/ichannel"
third=$("$script" "${args[@]}")
grep -q "^set     $mp/ichannel mode 2770$" <<<"$third" || { echo "FAIL mode not repaired"; exit 1; }
echo "ok   drifted mode repaired"

# A mount point that holds another filesystem is refused.
mkdir -p "$work/tmpfs"
mount -t tmpfs tmpfs "$work/tmpfs"
rc=0
"$script" --pages "$pages" --node 0 --group "$group" --mount "$work/tmpfs" >/dev/null 2>&1 || rc=$?
[[ $rc -eq 1 ]] || { echo "FAIL a tmpfs mount point was accepted (exit $rc)"; exit 1; }
echo "ok   non-hugetlbfs mount point refused"
