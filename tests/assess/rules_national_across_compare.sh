#!/bin/sh
# rules_national_across_compare.sh: two runs of rules_national_across.pledge
# as of the same day, B with P1's 2019-10 within four hours revised from 90
# to 120, then `pledge compare` of their manifests
# (rules_national_across.cases). P1 is in S1, so the systems' sum moves
# from 585 to 615 (nat_within missed -> met, its cause `data ae
# (revised)`), S1's share from 86% to 98% and the systems' mean from 77%
# to 81% (nat_mean missed -> met). Writes only into TMPDIR.
# Environment: PLEDGE, PLEDGE_WRAP (as in tests/lib.sh), TMPDIR.
set -u
: "${PLEDGE:?}" "${TMPDIR:?}"
here=$(cd "$(dirname "$0")" && pwd) || exit 99
cd "$here" || exit 99
sed 's|^P1,2019-10,90,100$|P1,2019-10,120,100|' rules_national_commitment_ae.csv > "$TMPDIR/nat_across_ae_b.csv" || exit 99
for run in a b; do
    ae=rules_national_commitment_ae.csv
    [ "$run" = b ] && ae=$TMPDIR/nat_across_ae_b.csv
    # shellcheck disable=SC2086 # PLEDGE_WRAP is a command and its words
    ${PLEDGE_WRAP:-} "$PLEDGE" assess rules_national_across.pledge --as-of 2020-04-01 --format csv \
        --feed ae="$ae" --feed sys=rules_national_commitment_sys.csv \
        --manifest "$TMPDIR/nat_across_$run.json" -o "$TMPDIR/nat_across_$run.csv" || exit 99
done
# shellcheck disable=SC2086
${PLEDGE_WRAP:-} "$PLEDGE" compare "$TMPDIR/nat_across_a.json" "$TMPDIR/nat_across_b.json"
