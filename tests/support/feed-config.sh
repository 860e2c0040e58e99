# tests/support/feed-config.sh: renders tests/support/feed-config.yaml.in from the shell (sourced,
# not run; the e2e scripts through tests/e2e/lib.sh, and deploy/demo).
#
# Contract
# - feed_config_render OUT NAME=VALUE...: writes the rendered config to OUT, following the
#   rendering rules written at the top of the template (the C++ renderer in test_config.hpp follows
#   the same rules). Returns 1 with a message on stderr for an unknown NAME, a placeholder without
#   a value, or a NAME=VALUE argument without '='.
# - Needs python3. Defines nothing else; no side effects when sourced.

FEED_CONFIG_TEMPLATE=${FEED_CONFIG_TEMPLATE:-"$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/feed-config.yaml.in"}

feed_config_render() {
  local out=$1
  shift
  python3 - "$FEED_CONFIG_TEMPLATE" "$out" "$@" <<'PY'
import re, sys

template, out, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
token = re.compile(r"@([A-Z][A-Z0-9_]*)(?:=([^@]*))?@")
given = {}
for pair in pairs:
    name, eq, value = pair.partition("=")
    if not eq:
        sys.exit(f"feed_config_render: '{pair}' is not NAME=VALUE")
    given[name] = value
lines = [l for l in open(template).read().splitlines() if not l.startswith("#")]
defaults, known = {}, set()
for line in lines:
    marker = re.match(r"@\?([A-Z][A-Z0-9_]*)@", line)
    if marker:
        known.add(marker.group(1))
    for m in token.finditer(line):
        known.add(m.group(1))
        if m.group(2) is not None:
            if m.group(1) in defaults and defaults[m.group(1)] != m.group(2):
                sys.exit(f"feed_config_render: {template}: two defaults for {m.group(1)}")
            defaults[m.group(1)] = m.group(2)
unknown = sorted(set(given) - known)
if unknown:
    sys.exit(f"feed_config_render: no placeholder {', '.join(unknown)} in {template}")

def value(name):
    if name in given:
        return given[name]
    if name in defaults:
        return defaults[name]
    sys.exit(f"feed_config_render: {name} needs a value ({template})")

rendered = []
for line in lines:
    m = re.match(r"@\?([A-Z][A-Z0-9_]*)@", line)
    if m:
        name = m.group(1)
        if (given[name] if name in given else defaults.get(name, "")) == "":
            continue
        line = line[m.end():]
    rendered.append(token.sub(lambda t: value(t.group(1)), line))
with open(out, "w") as f:
    f.write("\n".join(rendered) + "\n")
PY
}
