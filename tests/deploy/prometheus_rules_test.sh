#!/usr/bin/env bash
# tests/deploy/prometheus_rules_test.sh DIR: the Prometheus rule files of deploy/prometheus/
# (DIR) pass `promtool check rules` (syntax, PromQL, templates) and their unit tests
# (DIR/tests/*.yml: input series -> expected alerts and recorded samples) pass
# `promtool test rules`. Skips (77) only when promtool (Debian package prometheus) is missing.
set -euo pipefail
dir=$1
command -v promtool >/dev/null || { echo "SKIP: promtool not installed (apt-get install prometheus)"; exit 77; }
cd "$dir"
rules=(ichannel-alerts.yml ichannel-recording.yml)
tests=(tests/*.yml)
[[ -e ${tests[0]} ]] || { echo "FAIL: no unit tests in $dir/tests" >&2; exit 1; }
promtool check rules "${rules[@]}"
promtool test rules "${tests[@]}"
echo "ok: ${#rules[@]} rule files checked, ${#tests[@]} unit test files pass"
