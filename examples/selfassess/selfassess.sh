#!/bin/sh
# selfassess.sh PLAN.csv [OUTDIR]: one system judges its own draft plan
# against the published 2019 round before submitting it, as a gate in a
# script: exit 0 when nothing failed, missed or went off track, else 1.
#
# Writes OUTDIR/SYSTEM.json (for programs: a submission portal, a tracker)
# and OUTDIR/SYSTEM.html (one self-contained page for the board paper), and
# prints the text report. OUTDIR defaults to the current folder.
#
# Environment:
#   SYSTEM  the system's code (default E54000027, North West London)
#   AS_OF   the day to judge on (default 2019-09-20, a week before plans were due)
#   RULES   the published round, a .pledge or a compiled .plb
#           (default examples/ltp2019/ltp2019_worked.pledge)
#   PLEDGE  the pledge program (default ./pledge at the top of this tree)
#
# Exit: 0 ready to submit; 1 something to fix; anything else, pledge's own
# status (2 usage, 3 bad input: a plan that does not parse, a missing file).
# The plans and beds data of the example are MADE UP (examples/data/illustrative).
set -u

here=$(cd "$(dirname "$0")" && pwd) || exit 2
top=$(cd "$here/../.." && pwd) || exit 2
PLEDGE=${PLEDGE:-$top/pledge}
SYSTEM=${SYSTEM:-E54000027}
AS_OF=${AS_OF:-2019-09-20}
RULES=${RULES:-$top/examples/ltp2019/ltp2019_worked.pledge}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 PLAN.csv [OUTDIR]" >&2
    exit 2
fi
plan=$1
out=${2:-.}

# The round's other inputs: the real A&E data and trust-to-STP lookup, and
# the (made-up) national bed series the realism check compares plans with.
set -- assess "$RULES" \
    --feed "ae=$top/examples/data/nhs/ae_attendances.csv" \
    --feed "stp=$top/examples/data/nhs/Trust-STP-lookup.csv" \
    --feed "beds=$top/examples/data/illustrative/ltp2019_beds_made_up.csv" \
    --feed "plans=$plan" \
    --system "$SYSTEM" --as-of "$AS_OF"

"$PLEDGE" "$@" --format json -o "$out/$SYSTEM.json" --fail-on fail,missed,off_track,no_data
status=$?
case $status in
    0 | 1) ;;
    *) exit $status ;;
esac
"$PLEDGE" "$@" --format html -o "$out/$SYSTEM.html" || exit $?
"$PLEDGE" "$@" --format text || exit $?

echo
if [ $status -eq 0 ]; then
    echo "$SYSTEM: ready to submit (nothing failed, missed or off track as of $AS_OF)"
else
    echo "$SYSTEM: not ready: fix what failed above, then run this again"
fi
echo "written: $out/$SYSTEM.json, $out/$SYSTEM.html"
exit $status
