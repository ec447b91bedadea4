#!/bin/sh
# gap_stp2016.sh: the gap of every footprint and commitment of the 2016
# round (examples/stp2016/stp2016.pledge) on the real NHS data as of
# 2019-06-30, one line `system,item,gap` each, in report order:
#
#     sh gap_stp2016.sh golden    computed with sqlite3 and awk from the data
#                                 files, not with pledge
#     sh gap_stp2016.sh pledge    pledge's CSV report (under PLEDGE_WRAP),
#                                 cut to those columns with sqlite3
#
# real.cases wants both to print golden_gap_stp2016_2019-06-30.csv. Every
# commitment is judged on its target as of that day (each window ended more
# than six weeks before), at >= 95%; gap is value - 0.95 (docs/reports.md):
# for a footprint's attendances a and breaches b in the window,
# (a - b) / a - 19 / 20 = (a - 20 b) / (20 a), exactly, written as pledge
# writes a number (number.awk). The windows: ae_1617, ae_1718, ae_1819 the
# financial years, ae_recovery 2018/19 Q4 (January to March 2019). A month's
# row counts for the footprint its provider is linked to on the month's
# first day (trust_stp_2016_2019.csv's valid_from and valid_to, as in
# make_golden.sh); providers linked to no footprint count for none.
LC_ALL=C
export LC_ALL
set -u
here=$(cd "$(dirname "$0")" && pwd) || exit 1
nhs=$here/../../examples/data/nhs
db=$(mktemp "${TMPDIR:-/tmp}/gap.XXXXXX") || exit 1
trap 'rm -f "$db" "$db.csv"' EXIT

case ${1:-} in
pledge)
    : "${PLEDGE:?}"
    # shellcheck disable=SC2086 # PLEDGE_WRAP is a command and its words
    ${PLEDGE_WRAP:-} "$PLEDGE" assess "$here/../../examples/stp2016/stp2016.pledge" --as-of 2019-06-30 \
        --feed ae="$nhs/ae_attendances.csv" --feed stp="$nhs/trust_stp_2016_2019.csv" --format csv \
        -o "$db.csv" || exit 1
    sqlite3 -bail "$db" ".import --csv '$db.csv' report" ".mode list" ".separator ," \
        "SELECT system, item, gap FROM report WHERE kind = 'commitment' ORDER BY rowid"
    ;;
golden)
    sqlite3 -bail "$db" \
        ".mode csv" \
        ".import '$nhs/ae_attendances.csv' ae_raw" \
        ".import '$nhs/trust_stp_2016_2019.csv' links" \
        "CREATE TABLE lookup AS SELECT code, STP_code,
             CASE WHEN valid_from = '' THEN '0000-01-01' ELSE valid_from END AS lo,
             CASE WHEN valid_to = '' THEN '9999-12-31' ELSE valid_to END AS hi FROM links;
         CREATE TABLE windows (pos INTEGER, item TEXT, lo TEXT, hi TEXT);
         INSERT INTO windows VALUES (1, 'ae_1617', '2016-04-01', '2017-03-01'),
             (2, 'ae_1718', '2017-04-01', '2018-03-01'), (3, 'ae_1819', '2018-04-01', '2019-03-01'),
             (4, 'ae_recovery', '2019-01-01', '2019-03-01');
         CREATE TABLE systems AS SELECT DISTINCT STP_code AS system FROM lookup;" \
        ".mode tabs" \
        "SELECT s.system, w.item, sum(CAST(a.breaches AS INTEGER)), sum(CAST(a.attendances AS INTEGER))
           FROM systems s CROSS JOIN windows w
           LEFT JOIN lookup l ON l.STP_code = s.system
           LEFT JOIN ae_raw a ON a.org_code = l.code AND a.period BETWEEN l.lo AND l.hi
                AND a.period BETWEEN w.lo AND w.hi
          GROUP BY s.system, w.pos ORDER BY s.system, w.pos;" |
    awk -F'\t' "$(cat "$here/number.awk")"'
        { print $1 "," $2 "," ($4 == "" || $4 == 0 ? "" : number($4 - 20 * $3, 20 * $4)) }'
    ;;
*)
    echo "usage: gap_stp2016.sh golden|pledge" >&2
    exit 2
    ;;
esac
