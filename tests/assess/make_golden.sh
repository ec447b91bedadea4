#!/bin/sh
# make_golden.sh: the expected report of tests/assess/stp_fy.pledge on the
# real NHS A&E data as of a day, computed with sqlite3 and awk and not with
# pledge, so that tests/assess.test checks pledge against an independent
# calculation.
#
#     sh tests/assess/make_golden.sh [AS_OF] > tests/assess/golden_stp_fy_AS_OF.csv
#
# AS_OF is a day, 2019-06-30 by default. Run it from anywhere; it reads
# examples/data/nhs/ae_attendances.csv and trust_stp_2016_2019.csv (needs
# the sqlite3 command, 3.32 or later). The outputs are committed, and
# tests/assess.test also runs this script again where sqlite3 is installed
# and wants the same bytes; rerun it only if those files or the round
# change, and review the diff.
#
# The output is what `pledge assess stp_fy.pledge ... --as-of AS_OF --format
# csv` must print, byte for byte. How each row is computed, for one STP and
# one window: a financial year (1 April to 31 March; the file's months are
# written as their first day, 2016-04-01), or all three years together
# (items ending _1619):
#
#   * The STP's providers are the rows of trust_stp_2016_2019.csv with
#     that STP_code (column `code` is the provider, `STP` its name), each
#     from its valid_from to its valid_to, both days included, an empty one
#     open-ended (RM2 and RW3 in E54000007 until 2017-09-30 and R0A from
#     2017-10-01; RQQ in E54000021 until 2017-03-31; RJF, RR1 and RGQ in
#     E54000010, E54000017 and E54000023 until 2018-06-30, their last month
#     of rows, so no return is expected of them after it). A month's row counts
#     for the STP its provider is linked to on the month's first day (the
#     file's `period`). members: how many providers are linked to the STP
#     on the first day of at least one month of the window.
#   * The window is known on AS_OF when AS_OF is on or after its last day
#     plus the feed's lag of six weeks (2016/17 on 2017-05-12). A window not
#     yet known is `not_due`, and the row has no value, threshold or window,
#     and 0 for coverage and members (as pledge writes a row not judged).
#   * Rows of ae_attendances.csv whose org_code is linked to no STP in
#     their month (the providers with only type 2 or `other` departments)
#     are excluded: an inner join.
#   * ae_YYYY: value = 1 - sum(breaches) / sum(attendances) over all the
#     STP's provider rows in the window, all department types: a ratio of
#     sums, never a mean of monthly, yearly or per-provider ratios.
#   * ae_t1_YYYY: the same over the rows with type "1" only.
#   * status: `met` when value >= 0.95 (compared in whole numbers: 20 x
#     (attendances - breaches) >= 19 x attendances), `missed` when not,
#     `no_data` when the STP has no rows (no value).
#   * coverage: the STP's providers with at least one row in the window
#     while linked to it (of any type, for both items; in these files every
#     provider of an STP with rows has type 1 rows).
#   * gap: value - 0.95, (attendances - 20 x breaches) / (20 x
#     attendances), written as a value is (below); empty without a value.
#   * needed, for a missed row: the change in breaches, attendances held,
#     that brings the value to 0.95: 1 - b' / a = 0.95 at b' = a / 20, so
#     a / 20 - b, rounded away from zero to a whole count (down, as it is
#     negative): -ceil((20 b - a) / 20). Empty when met, no_data or not_due.
#   * operands: empty (a commitment has none; a check's comparisons).
#   * completeness, for a known window: cells_expected counts the returns
#     the window needs, a (provider, month) for each month of the window and
#     each provider linked to the STP on the month's first day that has
#     rows in the file at all (a trust without an A&E department is not
#     expected); cells_present those with at least one row (of any type,
#     for both items); complete is `true` when the two are equal. A window
#     not yet known needs none: true, 0, 0.
#
# Rows come in STP code order, then item order as in stp_fy.pledge. As pledge
# writes numbers: the value (attendances - breaches) / attendances in lowest
# terms is written exactly when it is a decimal of at most 18 places, and
# otherwise as the nearest double with 15 significant digits (printf
# %.15g); the threshold is 0.95. A field holding a comma or a quote is
# quoted (RFC 4180).

LC_ALL=C
export LC_ALL
as_of=${1:-2019-06-30}
case $as_of in
    [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]) ;;
    *) echo "make_golden.sh: $as_of is not a day (YYYY-MM-DD)" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd) || exit 1
nhs=$here/../../examples/data/nhs
db=$(mktemp "${TMPDIR:-/tmp}/golden.XXXXXX") || exit 1
trap 'rm -f "$db" "$db.rows"' EXIT

# one line per STP and item, fields separated by tabs: system, name, item,
# window, known (1 or 0), breaches, attendances, coverage, members, cells
# expected, cells present
sqlite3 -bail "$db" \
    ".mode csv" \
    ".import '$nhs/ae_attendances.csv' ae_raw" \
    ".import '$nhs/trust_stp_2016_2019.csv' links" \
    "CREATE TABLE lookup AS SELECT code, STP_code, STP,
         CASE WHEN valid_from = '' THEN '0000-01-01' ELSE valid_from END AS lo,
         CASE WHEN valid_to = '' THEN '9999-12-31' ELSE valid_to END AS hi
         FROM links;
     CREATE TABLE ae AS SELECT org_code AS org, type, period,
         CAST(attendances AS INTEGER) AS att, CAST(breaches AS INTEGER) AS br,
         CASE WHEN substr(period, 6, 2) >= '04'
              THEN CAST(substr(period, 1, 4) AS INTEGER)
              ELSE CAST(substr(period, 1, 4) AS INTEGER) - 1 END AS fy
         FROM ae_raw;
     CREATE TABLE years (pos INTEGER, lo INTEGER, hi INTEGER, suffix TEXT, window TEXT);
     INSERT INTO years VALUES (1, 2016, 2016, '1617', '2016/17'), (2, 2017, 2017, '1718', '2017/18'),
         (3, 2018, 2018, '1819', '2018/19'), (4, 2016, 2018, '1619', '2016/17 .. 2018/19');
     CREATE TABLE kinds (pos INTEGER, prefix TEXT, t1 INTEGER);
     INSERT INTO kinds VALUES (1, 'ae_', 0), (2, 'ae_t1_', 1);
     CREATE TABLE months AS WITH RECURSIVE m(d) AS (SELECT '2016-04-01'
             UNION ALL SELECT date(d, '+1 month') FROM m WHERE d < '2019-03-01')
         SELECT d, CASE WHEN substr(d, 6, 2) >= '04' THEN CAST(substr(d, 1, 4) AS INTEGER)
                        ELSE CAST(substr(d, 1, 4) AS INTEGER) - 1 END AS fy FROM m;
     CREATE TABLE systems AS SELECT STP_code AS system, min(STP) AS name FROM lookup GROUP BY STP_code;" \
    ".mode tabs" \
    "SELECT s.system, s.name, k.prefix || y.suffix, y.window,
            date(printf('%04d-03-31', y.hi + 1), '+42 days') <= '$as_of',
            sum(a.br), sum(a.att),
            (SELECT count(DISTINCT l2.code) FROM lookup l2 JOIN ae a2 ON a2.org = l2.code
                 AND a2.period BETWEEN l2.lo AND l2.hi
                 WHERE l2.STP_code = s.system AND a2.fy BETWEEN y.lo AND y.hi),
            (SELECT count(DISTINCT l3.code) FROM lookup l3 JOIN months m ON m.d BETWEEN l3.lo AND l3.hi
                 WHERE l3.STP_code = s.system AND m.fy BETWEEN y.lo AND y.hi),
            (SELECT count(*) FROM lookup l4 JOIN months m ON m.d BETWEEN l4.lo AND l4.hi
                 WHERE l4.STP_code = s.system AND m.fy BETWEEN y.lo AND y.hi
                   AND l4.code IN (SELECT org FROM ae)),
            (SELECT count(*) FROM lookup l5 JOIN months m ON m.d BETWEEN l5.lo AND l5.hi
                 WHERE l5.STP_code = s.system AND m.fy BETWEEN y.lo AND y.hi
                   AND EXISTS (SELECT 1 FROM ae a5 WHERE a5.org = l5.code AND a5.period = m.d))
       FROM systems s CROSS JOIN years y CROSS JOIN kinds k
       LEFT JOIN lookup l ON l.STP_code = s.system
       LEFT JOIN ae a ON a.org = l.code AND a.period BETWEEN l.lo AND l.hi
            AND a.fy BETWEEN y.lo AND y.hi AND (k.t1 = 0 OR a.type = '1')
      GROUP BY s.system, k.pos, y.pos
      ORDER BY s.system, k.pos, y.pos;" > "$db.rows" || exit 1

awk -F'\t' "$(cat "$here/number.awk")"'
    function field(s) {
        if (s ~ /[",\r]/) { gsub(/"/, "\"\"", s); s = "\"" s "\"" }
        return s
    }
    BEGIN { print "system,system_name,item,kind,class,status,value,threshold,window,coverage,members,complete,cells_expected,cells_present,gap,needed,operands" }
    {
        sys = $1; name = field($2); item = $3; window = field($4)
        known = $5; br = $6; att = $7; coverage = $8; members = $9
        cells = "," ($10 == $11 ? "true" : "false") "," $10 "," $11
        head = sys "," name "," item ",commitment,foundational,"
        if (!known) { print head "not_due,,,,0,0,true,0,0,,,"; next }
        if (att == "" || att == 0) { print head "no_data,,0.95," window "," coverage "," members cells ",,,"; next }
        status = (20 * (att - br) >= 19 * att) ? "met" : "missed"
        # gap: value - 0.95 = (att - br) / att - 19 / 20 = (att - 20 br) / (20 att)
        # needed: -ceil((20 br - att) / 20), with 20 br - att > 0 when missed
        needed = status == "met" ? "" : -int((20 * br - att + 19) / 20)
        print head status "," number(att - br, att) ",0.95," window "," coverage "," members cells "," \
            number(att - 20 * br, 20 * att) "," needed ","
    }' "$db.rows"
