#!/bin/sh
# audit.sh [OUTDIR]: an auditor replays the 2016 STP round
# (examples/stp2016/stp2016.pledge) as it would have been judged on two days,
# compares the two reports, and asks why one result changed.
#
#   1. the round as of 2017-07-21 (the week NHS England published its first
#      STP progress dashboard) and as of 2019-06-30 (after 2018/19 was
#      known), each as CSV: OUTDIR/stp2016_2017-07-21.csv and
#      OUTDIR/stp2016_2019-06-30.csv;
#   2. the differences: OUTDIR/stp2016.diff (diff -u of the two CSVs, which
#      list the same systems and items in the same order) and, printed, how
#      many systems moved from which status to which, item by item;
#   3. `pledge explain` of one result on both days:
#      OUTDIR/explain_2017-07-21.txt and OUTDIR/explain_2019-06-30.txt.
#
# OUTDIR defaults to the current folder. Environment: SYSTEM and ITEM, the
# result to explain (default E54000040 and ae_recovery); PLEDGE, the pledge
# program (default ./pledge at the top of this tree).
# Exit: 0 done; otherwise pledge's status (2 usage, 3 bad input).
set -u

here=$(cd "$(dirname "$0")" && pwd) || exit 2
top=$(cd "$here/../.." && pwd) || exit 2
PLEDGE=${PLEDGE:-$top/pledge}
SYSTEM=${SYSTEM:-E54000040}
ITEM=${ITEM:-ae_recovery}
out=${1:-.}
old=2017-07-21
new=2019-06-30

rules=$top/examples/stp2016/stp2016.pledge
nhs=$top/examples/data/nhs
set -- --feed "ae=$nhs/ae_attendances.csv" --feed "stp=$nhs/trust_stp_2016_2019.csv"

for day in $old $new; do
    "$PLEDGE" assess "$rules" "$@" --as-of $day --format csv -o "$out/stp2016_$day.csv" || exit $?
done

# diff exits 1 when the files differ, which is what we expect; the file
# dates go from its header, so the same inputs give the same bytes
diff -u "$out/stp2016_$old.csv" "$out/stp2016_$new.csv" > "$out/stp2016.diff.tmp"
[ $? -le 1 ] || exit 2
tab=$(printf '\t')
sed "1,2s/$tab.*//" "$out/stp2016.diff.tmp" > "$out/stp2016.diff" && rm -f "$out/stp2016.diff.tmp" || exit 2

echo "The 2016 round as of $old and as of $new: results by item"
echo
# The CSV's columns begin system,system_name,item,kind,class,status. Only
# system_name may hold commas (it is quoted then): quoted fields are taken
# out (emptied) before the line is split.
awk -v old="$old" -v new="$new" '
    FNR == 1 { next }
    { line = $0; gsub(/"[^"]*"/, "", line); split(line, f, ","); key = f[1] SUBSEP f[3] }
    NR == FNR { was[key] = f[6]; next }
    {
        item = f[3]; to = f[6]; from = was[key]
        if (from == to) k = sprintf("%-12s %-10s (unchanged)", item, from)
        else k = sprintf("%-12s %-10s -> %s", item, from, to)
        n[k]++
    }
    END { for (k in n) printf "  %s: %d\n", k, n[k] }
' "$out/stp2016_$old.csv" "$out/stp2016_$new.csv" | sort
echo
echo "  line by line: $out/stp2016.diff ($(grep -c '^+[^+]' "$out/stp2016.diff") rows changed)"

for day in $old $new; do
    "$PLEDGE" explain "$rules" "$@" --system "$SYSTEM" --item "$ITEM" --as-of $day > "$out/explain_$day.txt" || exit $?
    echo
    echo "---- pledge explain ... --system $SYSTEM --item $ITEM --as-of $day"
    echo
    cat "$out/explain_$day.txt"
done
