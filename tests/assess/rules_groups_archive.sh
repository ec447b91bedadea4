#!/bin/sh
# rules_groups_archive.sh [RULES]: RULES.pledge (rules_groups unless given;
# rules_groups_check for checks by group) as of 2023-06-15 with a manifest
# and an archive (rules_groups.cases, rules_groups_check.cases): a group's
# result is a row of its own, after its system's, as in the CSV report (item
# `ae_by_tertile[tertile=GROUP]`); the run replays as recorded.
# Writes only into TMPDIR.
# Environment: PLEDGE, PLEDGE_WRAP (as in tests/lib.sh), TMPDIR.
set -u
: "${PLEDGE:?}" "${TMPDIR:?}"
here=$(cd "$(dirname "$0")" && pwd) || exit 99
cd "$here" || exit 99
rules=${1:-rules_groups}
# a folder of its own: an archive keeps every run written to it
dir=$(mktemp -d "$TMPDIR/groups.XXXXXX") || exit 99
# shellcheck disable=SC2086 # PLEDGE_WRAP is a command and its words
${PLEDGE_WRAP:-} "$PLEDGE" assess "$rules.pledge" --as-of 2023-06-15 --format csv \
    --feed ae_groups=rules_groups_ae.csv --feed sys=rules_groups_sys.csv \
    --manifest "$dir/groups.json" --archive "$dir/groups.db" -o "$dir/groups.csv" || exit 99
sqlite3 "$dir/groups.db" "SELECT seq, system, item, status, value FROM results WHERE system = 'S02' ORDER BY seq"
# shellcheck disable=SC2086
${PLEDGE_WRAP:-} "$PLEDGE" replay "$dir/groups.json" | tail -n 1 | sed 's|/.*/groups.json|TMPDIR/groups.json|'
