#!/bin/sh
# make_golden.sh: the expected values of tests/assess/stp_fy.pledge on the real
# NHS A&E data, computed once with sqlite3 and not with pledge, so that
# tests/assess.test checks pledge against an independent calculation.
#
#     sh tests/assess/make_golden.sh > tests/assess/golden_stp_fy.csv
#
# Run it from anywhere; it reads examples/data/nhs/ae_attendances.csv and
# Trust-STP-lookup.csv (needs the sqlite3 command, 3.32 or later). The
# output is committed; rerun it only if those files or the round change, and
# review the diff.
#
# How each row is computed, for one STP and one window: a financial year
# (1 April to 31 March; the file's months are written as their first day,
# 2016-04-01), or all three years together (items ending _1619):
#
#   * The STP's providers are the rows of Trust-STP-lookup.csv with that
#     STP_code (column `code` is the provider, `STP` its name). The lookup
#     has no effective dates, so a provider is in its STP in every month.
#   * Rows of ae_attendances.csv whose org_code is in no STP (RM2, RQQ and
#     RW3, which have type 1 departments, and the providers with only type 2
#     or `other` departments) are excluded: an inner join.
#   * ae_YYYY: value = 1 - sum(breaches) / sum(attendances) over all the
#     STP's provider rows in the window, all department types: a ratio of
#     sums, never a mean of monthly, yearly or per-provider ratios.
#   * ae_t1_YYYY: the same over the rows with type "1" only.
#   * status: `met` when value >= 0.95, `missed` when not, `no_data` when
#     the STP has no rows (the round is assessed long after each window's
#     end plus the six-week lag, so every window is known).
#   * coverage: the STP's providers with at least one row in the window (of
#     any type, for both items; in these files every provider of an STP
#     with rows has type 1 rows); members: its providers in the lookup.
#   * breaches, attendances: the sums, so a value can be recomputed exactly.
#
# Rows come in STP code order, then item order as in stp_fy.pledge. The value
# is printed with 17 significant digits (printf '%!.17g').

LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd) || exit 1
nhs=$here/../../examples/data/nhs
db=$(mktemp "${TMPDIR:-/tmp}/golden.XXXXXX") || exit 1
trap 'rm -f "$db"' EXIT

sqlite3 -bail "$db" \
    ".mode csv" \
    ".import '$nhs/ae_attendances.csv' ae_raw" \
    ".import '$nhs/Trust-STP-lookup.csv' lookup" \
    "CREATE TABLE ae AS SELECT org_code AS org, type,
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
     CREATE TABLE systems AS SELECT STP_code AS system, min(STP) AS name,
         count(DISTINCT code) AS members FROM lookup GROUP BY STP_code;" \
    ".headers on" \
    "SELECT s.system, s.name AS system_name, k.prefix || y.suffix AS item,
            y.window,
            CASE WHEN sum(a.att) IS NULL OR sum(a.att) = 0 THEN 'no_data'
                 WHEN 1.0 - CAST(sum(a.br) AS REAL) / sum(a.att) >= 0.95 THEN 'met'
                 ELSE 'missed' END AS status,
            CASE WHEN sum(a.att) > 0
                 THEN printf('%!.17g', 1.0 - CAST(sum(a.br) AS REAL) / sum(a.att)) END AS value,
            sum(a.br) AS breaches, sum(a.att) AS attendances,
            (SELECT count(DISTINCT l2.code) FROM lookup l2 JOIN ae a2 ON a2.org = l2.code
                 WHERE l2.STP_code = s.system AND a2.fy BETWEEN y.lo AND y.hi) AS coverage,
            s.members
       FROM systems s CROSS JOIN years y CROSS JOIN kinds k
       LEFT JOIN lookup l ON l.STP_code = s.system
       LEFT JOIN ae a ON a.org = l.code AND a.fy BETWEEN y.lo AND y.hi AND (k.t1 = 0 OR a.type = '1')
      GROUP BY s.system, k.pos, y.pos
      ORDER BY s.system, k.pos, y.pos;"
