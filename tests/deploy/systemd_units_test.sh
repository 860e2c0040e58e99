#!/usr/bin/env bash
# systemd_units_test.sh: the shipped units say what operations.md promises, and
# `systemd-analyze verify` accepts them without a single warning (skipped, exit 77, when
# systemd-analyze is not installed). Usage: systemd_units_test.sh <repo>/deploy/systemd
set -euo pipefail
units_dir="${1:?usage: $0 DEPLOY_SYSTEMD_DIR}"
feed="$units_dir/ichannel-feed.service"
strategy="$units_dir/ichannel-strategy@.service"
hugepages="$units_dir/ichannel-hugepages.service"
failures=0

expect() {  # expect FILE REGEX WHY
  if ! grep -Eq "$2" "$1"; then
    echo "FAIL $(basename "$1"): no line matching '$2' ($3)"
    failures=$((failures + 1))
  fi
}
refuse() {  # refuse FILE REGEX WHY
  if grep -Eq "$2" "$1"; then
    echo "FAIL $(basename "$1"): has a line matching '$2' ($3)"
    failures=$((failures + 1))
  fi
}

for f in "$feed" "$strategy" "$hugepages"; do [[ -f "$f" ]] || { echo "FAIL missing $f"; exit 1; }; done

expect "$feed" '^LimitMEMLOCK=infinity$' "DPDK and mlock'ed channels"
expect "$feed" '^Restart=on-failure$' "restart policy"
expect "$feed" '^ExecStartPre=[^ ]*ichannel-feed --check ' "config validated before start"
expect "$feed" '^CPUAffinity=' "housekeeping cpus"
expect "$feed" '^ProtectSystem=full$' "hardening"
expect "$feed" '^ProtectHome=yes$' "hardening"
expect "$feed" '^NoNewPrivileges=yes$' "hardening"
expect "$feed" '^AmbientCapabilities=.*CAP_IPC_LOCK' "mlock without root"
expect "$feed" '^AmbientCapabilities=.*CAP_NET_ADMIN' "af_packet / mlx5"
expect "$feed" '^User=ichannel$' "system user (RemoveIPC does not apply)"
expect "$feed" '^RemoveIPC=no$' "channels survive a stop"
refuse "$feed" '^PrivateDevices=(yes|true)' "hides /dev/vfio and /dev/hugepages"
refuse "$feed" '^DynamicUser=(yes|true)' "implies RemoveIPC=yes"
refuse "$feed" '^User=root$' "no root"
expect "$strategy" '^CPUAffinity=%i$' "pinned to the instance's cpu"
expect "$strategy" '^SupplementaryGroups=ichannel$' "reads the 0640 channels"
expect "$strategy" '^CapabilityBoundingSet=$' "no privileges"
refuse "$strategy" '^PrivateDevices=(yes|true)' "hides the /dev/hugepages mount"
refuse "$strategy" '^DynamicUser=(yes|true)' "implies RemoveIPC=yes"
expect "$feed" '^UMask=0027$' "files the daemon creates are not group/world writable"
expect "$strategy" '^ReadOnlyPaths=/dev/hugepages$' "strategies read the channels, never write"
refuse "$strategy" '^ReadWritePaths=.*(hugepages|/dev/shm)' "strategies get no writable channel dir"
refuse "$strategy" '^SupplementaryGroups=.*root' "no root group for strategies"
expect "$hugepages" '^Environment="HUGEPAGE_ARGS=.*--user ichannel( |")' "channel dir owned by the daemon's user (User=ichannel)"
expect "$hugepages" '^Environment="HUGEPAGE_ARGS=.*--group ichannel( |")' "channel dir group of the strategies"
expect "$hugepages" '^Before=ichannel-feed.service$' "runs before the feed"
expect "$hugepages" '^Type=oneshot$' "one-shot setup"

if (( failures > 0 )); then
  echo "$failures unit content check(s) failed"
  exit 1
fi
echo "ok   unit contents"

if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP systemd-analyze not installed: units not verified"
  exit 77
fi

# verify needs every Exec path to exist: point /usr/local at stub executables in a temp dir, and
# give the template an instance (CPUAffinity=%i needs one).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/units" "$work/usr/local/bin" "$work/usr/local/sbin"
for exe in bin/ichannel-feed bin/ichannel-check-host sbin/ichannel-setup-hugepages; do
  printf '#!/bin/sh\nexit 0\n' >"$work/usr/local/$exe"
  chmod +x "$work/usr/local/$exe"
done
for f in "$feed" "$strategy" "$hugepages"; do
  sed "s|/usr/local/|$work/usr/local/|g" "$f" >"$work/units/$(basename "$f")"
done
cp "$work/units/ichannel-strategy@.service" "$work/units/ichannel-strategy@3.service"
cd "$work/units"
output=$(systemd-analyze verify ichannel-feed.service ichannel-hugepages.service \
  ichannel-strategy@3.service 2>&1) || { echo "FAIL systemd-analyze verify: $output"; exit 1; }
if [[ -n "$output" ]]; then
  echo "FAIL systemd-analyze verify printed warnings:"
  echo "$output"
  exit 1
fi
echo "ok   systemd-analyze verify (no warnings)"
