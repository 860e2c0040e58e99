#!/usr/bin/env bash
# dockerfile_test.sh: checks what can be checked of the Dockerfile without a Docker engine.
#  1. every COPY source (outside --from stages) exists and is not excluded by .dockerignore;
#  2. the ichannel binaries it names are exactly the executables meson installs to bin/ and sbin/
#     (meson introspect --installed of a configured build dir);
#  3. every apt package it installs is known to apt (apt-cache policy has a candidate), when
#     apt-cache is available;
#  4. build flags: Debian 12 base, portable -Dmarch, tests disabled;
#  5. hadolint, if installed (Debian 12 does not package it).
# Usage: dockerfile_test.sh REPO_ROOT BUILD_DIR        Exit: 0 ok, 1 a check failed.
set -euo pipefail
repo="${1:?usage: $0 REPO_ROOT BUILD_DIR}"
build="${2:?usage: $0 REPO_ROOT BUILD_DIR}"
dockerfile="$repo/Dockerfile"
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
reported=0
section_ok() {  # prints "ok <what>" unless the section just checked failed
  (( failures == reported )) && echo "ok   $*"
  reported=$failures
}

[[ -f "$dockerfile" ]] || { echo "FAIL no Dockerfile in $repo"; exit 1; }
# Instructions with their continuation lines joined, comments dropped.
joined=$(sed -e '/^[[:space:]]*#/d' "$dockerfile" | sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta')

# --- 1. COPY sources -----------------------------------------------------------------------------
ignores=()
if [[ -f "$repo/.dockerignore" ]]; then
  while IFS= read -r pattern; do
    [[ -z "$pattern" || "$pattern" == \#* ]] && continue
    ignores+=("${pattern#/}")
  done <"$repo/.dockerignore"
fi
copies=0
while read -r -a words; do
  [[ ${#words[@]} -gt 0 && "${words[0]^^}" == "COPY" ]] || continue
  sources=()
  from=""
  for word in "${words[@]:1}"; do
    case "$word" in
      --from=*) from="${word#--from=}" ;;
      --*) ;;
      *) sources+=("$word") ;;
    esac
  done
  [[ -z "$from" ]] || continue  # copies between stages
  unset 'sources[-1]'           # the destination
  for src in "${sources[@]}"; do
    copies=$((copies + 1))
    [[ -e "$repo/$src" ]] || fail "COPY source '$src' does not exist in $repo"
    for pattern in "${ignores[@]}"; do
      # shellcheck disable=SC2053  # glob match on purpose
      if [[ "$src" == $pattern || "${src%/}" == $pattern ]]; then
        fail "COPY source '$src' is excluded by .dockerignore pattern '$pattern'"
      fi
    done
  done
done <<<"$joined"
(( copies > 0 )) || fail "no COPY instruction found"
section_ok "$copies COPY sources checked"

# --- 2. binaries ---------------------------------------------------------------------------------
installed=$(meson introspect --installed "$build" | python3 -c '
import json, os, sys
for dest in json.load(sys.stdin).values():
    parent = os.path.basename(os.path.dirname(dest))
    if parent in ("bin", "sbin"):
        print(os.path.basename(dest))
' | sort -u)
[[ -n "$installed" ]] || fail "meson installs no executables from $build (is it configured?)"
named=$(grep -oE '\bichannel-[a-z0-9-]+\b' <<<"$joined" | grep -vE -- '-(service|dev)$' | sort -u || true)
while IFS= read -r exe; do
  [[ -z "$exe" ]] && continue
  grep -qx -- "$exe" <<<"$installed" || fail "Dockerfile names '$exe', which meson does not install"
done <<<"$named"
while IFS= read -r exe; do
  [[ -z "$exe" ]] && continue
  grep -qx -- "$exe" <<<"$named" || fail "meson installs '$exe' but the Dockerfile does not check it"
done <<<"$installed"
section_ok "binaries named: $(tr '\n' ' ' <<<"$named")"

# --- 3. apt packages -----------------------------------------------------------------------------
if command -v apt-cache >/dev/null; then
  packages=$(grep -oE 'apt-get install [^&]*' <<<"$joined" | sed -e 's/apt-get install//' \
    | tr ' ' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' || true)
  # One apt-cache call for all (it is slow): "name:" lines followed by "  Candidate: version".
  # shellcheck disable=SC2086  # one word per package
  known=$(apt-cache policy $packages 2>/dev/null \
    | awk '/^[^ ].*:$/ { name = substr($0, 1, length($0) - 1) }
           /^  Candidate:/ && $2 != "(none)" { print name }')
  count=0
  for pkg in $packages; do
    count=$((count + 1))
    grep -qx -- "$pkg" <<<"$known" || fail "apt package '$pkg' is unknown to apt"
  done
  section_ok "$count apt packages known to apt"
else
  echo "skip apt-cache not available: package names not checked"
fi

# --- 4. flags ------------------------------------------------------------------------------------
grep -qE 'bookworm' <<<"$joined" || fail "base image is not Debian 12 (bookworm)"
grep -qE -- '-Dtests=disabled' <<<"$joined" || fail "build stage does not pass -Dtests=disabled"
grep -qE -- '-Dmarch=' <<<"$joined" || fail "build stage does not pass a portable -Dmarch"
grep -qE -- '-Dmarch=native' <<<"$joined" && fail "-Dmarch=native makes the image unportable"
[[ $(grep -cE '^FROM ' <<<"$joined") -ge 2 ]] || fail "not a multi-stage build"
grep -qE -- '--privileged' <<<"$joined" && fail "the image must not need --privileged"
section_ok "base image and build flags"

# --- 5. hadolint ---------------------------------------------------------------------------------
if command -v hadolint >/dev/null; then
  hadolint "$dockerfile" || fail "hadolint reported problems"
else
  echo "skip hadolint not installed (not packaged in Debian 12)"
fi

if (( failures > 0 )); then
  echo "$failures Dockerfile check(s) failed"
  exit 1
fi
echo "ok   Dockerfile"
