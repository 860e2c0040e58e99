#!/usr/bin/env bash
# setup_hugepages_test.sh: deploy/setup-hugepages is idempotent and sets up the threat model.
# Runs it twice against a temporary hugetlbfs mount point and checks the mount (uid, gid, mode
# 0750), the channel directory (owner = the daemon's user, group, mode 0750, never
# group-writable), that the second run changes nothing, that a drifted 2770 directory is
# repaired, that a directory owned by another user or a symlink is refused, the same for the
# /dev/shm channel directory (--shm-dir, a temporary stand-in here), and the argument errors. The daemon's user is a test user ichtest-ops-hp (created and removed here).
# Needs root and a kernel that lets us mount hugetlbfs: skips (exit 77) otherwise.
# The reservation is requested at its current size, so the host's hugepage pool is not changed.
# Usage: setup_hugepages_test.sh <repo>/deploy/setup-hugepages
set -euo pipefail
script="${1:?usage: $0 SETUP_HUGEPAGES}"

# Argument errors need no root: exit 2 before touching anything.
for args in "" "--pages x" "--pages 1 --size 3M" "--pages 1 --mount relative" "--pages 1 --bogus" \
  "--pages 1 --user Bad!" "--pages 1 --shm-dir relative"; do
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
user=ichtest-ops-hp
other=ichtest-ops-hp2
cleanup() {
  umount "$mp" 2>/dev/null || true
  umount "$work/tmpfs" 2>/dev/null || true
  rm -rf "$work"
  userdel "$user" 2>/dev/null || true
  userdel "$other" 2>/dev/null || true
}
trap cleanup EXIT
mkdir -p "$mp"
if ! mount -t hugetlbfs nodev "$mp" 2>/dev/null; then echo "SKIP cannot mount hugetlbfs here"; exit 77; fi
umount "$mp"

group=nogroup
getent group "$group" >/dev/null || group=root
gid=$(getent group "$group" | cut -d: -f3)
pages=$(<"$pool/nr_hugepages")
userdel "$user" 2>/dev/null || true
userdel "$other" 2>/dev/null || true

# The daemon's user must exist: a missing one is an error naming the useradd command.
rc=0
out=$("$script" --pages "$pages" --node 0 --user "$user" --group "$group" --mount "$mp" \
  --shm-dir "$work/shm/ichannel" 2>&1) || rc=$?
[[ $rc -eq 1 && "$out" == *"user $user (--user, the daemon's user) does not exist"* ]] \
  || { echo "FAIL a missing --user was not refused (exit $rc): $out"; exit 1; }
umount "$mp" 2>/dev/null || true
echo "ok   missing daemon user refused"

useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
useradd --system --no-create-home --shell /usr/sbin/nologin "$other"
uid=$(id -u "$user")
mkdir -p "$work/shm"  # stands for /dev/shm: the host's /dev/shm/ichannel is never touched
args=(--pages "$pages" --node 0 --size 2M --user "$user" --group "$group" --mount "$mp"
      --shm-dir "$work/shm/ichannel")

first=$("$script" "${args[@]}")
while IFS= read -r line; do echo "  first: $line"; done <<<"$first"
grep -q "^mounted hugetlbfs on $mp (pagesize=2M, uid=$uid, gid=$gid, mode=0750)$" <<<"$first" \
  || { echo "FAIL first run did not mount"; exit 1; }
grep -q "^created $mp/ichannel (owner $user, group $group, mode 0750)$" <<<"$first" \
  || { echo "FAIL first run did not create the dir"; exit 1; }
opts=$(awk -v m="$mp" '$2 == m && $3 == "hugetlbfs" { print $4 }' /proc/mounts)
[[ ",$opts," == *",mode=750,"* || ",$opts," == *",mode=0750,"* ]] \
  || { echo "FAIL mount options '$opts' lack mode=0750"; exit 1; }
[[ ",$opts," == *",uid=$uid,"* ]] || { echo "FAIL mount options '$opts' lack uid=$uid"; exit 1; }
if [[ $gid != 0 && ",$opts," != *",gid=$gid,"* ]]; then echo "FAIL mount options '$opts' lack gid=$gid"; exit 1; fi
[[ "$(stat -c '%u %g %a' "$mp/ichannel")" == "$uid $gid 750" ]] \
  || { echo "FAIL $mp/ichannel is $(stat -c '%u %g %a' "$mp/ichannel"), not $uid $gid 750"; exit 1; }
[[ "$(stat -c '%u %g %a' "$work/shm/ichannel")" == "$uid $gid 750" ]] \
  || { echo "FAIL $work/shm/ichannel is $(stat -c '%u %g %a' "$work/shm/ichannel"), not $uid $gid 750"; exit 1; }
echo "ok   first run mounted hugetlbfs and created the channel dirs (owner $user, 0750)"

second=$("$script" "${args[@]}")
while IFS= read -r line; do echo "  second: $line"; done <<<"$second"
if grep -Eq '^(mounted|created|set) ' <<<"$second"; then echo "FAIL second run changed something"; exit 1; fi
[[ $(awk -v m="$mp" '$2 == m' /proc/mounts | wc -l) -eq 1 ]] || { echo "FAIL mounted twice"; exit 1; }
[[ "$(<"$pool/nr_hugepages")" == "$pages" ]] || { echo "FAIL reservation changed"; exit 1; }
echo "ok   second run changed nothing"

# A drifted directory (the old group-writable setgid 2770, given to root) is repaired, and a
# file a group member planted in it is reported.
chmod 2770 "$mp/ichannel"
chown root "$mp/ichannel"
touch "$mp/ichannel/forged"
chown "$other" "$mp/ichannel/forged"
third=$("$script" "${args[@]}" 2>"$work/third.err")
grep -q "^set     $mp/ichannel owner $user$" <<<"$third" || { echo "FAIL owner not repaired: $third"; exit 1; }
grep -q "^set     $mp/ichannel mode 0750$" <<<"$third" || { echo "FAIL mode not repaired: $third"; exit 1; }
[[ "$(stat -c '%u %a' "$mp/ichannel")" == "$uid 750" ]] || { echo "FAIL still $(stat -c '%u %a' "$mp/ichannel")"; exit 1; }
grep -q "^warning $mp/ichannel/forged: owner $other" "$work/third.err" \
  || { echo "FAIL planted file not reported: $(cat "$work/third.err")"; exit 1; }
rm -f "$mp/ichannel/forged"
echo "ok   drifted 2770 directory repaired to 0750, planted file reported"

# A channel directory owned by another (non-root) user is refused, not adopted.
chown "$other" "$mp/ichannel"
rc=0
out=$("$script" "${args[@]}" 2>&1) || rc=$?
[[ $rc -eq 1 && "$out" == *"$mp/ichannel is owned by uid $(id -u "$other") ($other), not by $user"* ]] \
  || { echo "FAIL a directory of another user was not refused (exit $rc): $out"; exit 1; }
[[ "$(stat -c %u "$mp/ichannel")" == "$(id -u "$other")" ]] || { echo "FAIL the refused dir was changed"; exit 1; }
rmdir "$mp/ichannel"
echo "ok   directory owned by another user refused and left as it was"

# The same for the /dev/shm directory: a user who created it first does not get it adopted.
chown "$other" "$work/shm/ichannel"
rc=0
out=$("$script" "${args[@]}" 2>&1) || rc=$?
[[ $rc -eq 1 && "$out" == *"$work/shm/ichannel is owned by uid $(id -u "$other") ($other)"* ]] \
  || { echo "FAIL a /dev/shm dir of another user was not refused (exit $rc): $out"; exit 1; }
rmdir "$work/shm/ichannel"
echo "ok   /dev/shm channel directory created first by another user refused"

# A symlink at a channel directory's path is refused (the /dev/shm one: hugetlbfs may hold no
# symlinks).
mkdir "$work/elsewhere"
ln -s "$work/elsewhere" "$work/shm/ichannel"
rc=0
out=$("$script" "${args[@]}" 2>&1) || rc=$?
[[ $rc -eq 1 && "$out" == *"$work/shm/ichannel is a symbolic link: refused"* ]] \
  || { echo "FAIL a symlinked channel dir was not refused (exit $rc): $out"; exit 1; }
[[ "$(stat -c %u "$work/elsewhere")" == 0 ]] || { echo "FAIL the symlink target was chowned"; exit 1; }
rm -f "$work/shm/ichannel"
echo "ok   symlinked channel directory refused, its target untouched"

# A mount point that holds another filesystem is refused.
mkdir -p "$work/tmpfs"
mount -t tmpfs tmpfs "$work/tmpfs"
rc=0
"$script" --pages "$pages" --node 0 --user "$user" --group "$group" --mount "$work/tmpfs" \
  --shm-dir none >/dev/null 2>&1 || rc=$?
[[ $rc -eq 1 ]] || { echo "FAIL a tmpfs mount point was accepted (exit $rc)"; exit 1; }
echo "ok   non-hugetlbfs mount point refused"
