#!/bin/sh
# rules_perhead_compare.sh: two runs of rules_perhead.pledge as of the same
# day, B with L03's grant revised from £900,000 to £1,500,000, then
# `pledge compare` of their manifests (rules_perhead.cases). L03 is a local
# authority of X02 through la_sys, so the revised cell is one X02's results
# read: X02 £5 -> 2,400,000 / 180,000 = £8.33, both per-head commitments
# met, their cause `data grant (revised)`; the country £7.63 -> £9.21, met,
# its cause `data grant (revised)` too (the country reads every cell).
# Writes only into TMPDIR.
# Environment: PLEDGE, PLEDGE_WRAP (as in tests/lib.sh), TMPDIR.
set -u
: "${PLEDGE:?}" "${TMPDIR:?}"
here=$(cd "$(dirname "$0")" && pwd) || exit 99
cd "$here" || exit 99
sed 's|^L03,2019/20,900000$|L03,2019/20,1500000|' rules_perhead_grant.csv > "$TMPDIR/perhead_grant_b.csv" || exit 99
for run in a b; do
    grant=rules_perhead_grant.csv
    [ "$run" = b ] && grant=$TMPDIR/perhead_grant_b.csv
    # shellcheck disable=SC2086 # PLEDGE_WRAP is a command and its words
    ${PLEDGE_WRAP:-} "$PLEDGE" assess rules_perhead.pledge --as-of 2020-06-30 --format csv \
        --feed grant="$grant" --feed pop=rules_perhead_pop.csv --feed popsys=rules_perhead_popsys.csv \
        --feed la_sys=rules_perhead_la.csv --feed sys=rules_perhead_sys.csv --feed att=rules_perhead_att.csv \
        --manifest "$TMPDIR/perhead_$run.json" -o "$TMPDIR/perhead_$run.csv" || exit 99
done
# shellcheck disable=SC2086
${PLEDGE_WRAP:-} "$PLEDGE" compare "$TMPDIR/perhead_a.json" "$TMPDIR/perhead_b.json"
