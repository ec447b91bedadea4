#!/bin/sh
# make_golden_key.sh: the expected report of rules_key.pledge (MODE key) or
# rules_key_whole.pledge (MODE whole) on rules_key_ae.csv as of a day,
# computed with sqlite3 and not with pledge, so that tests/assess.test checks
# pledge's handling of revisions against an independent calculation.
#
#     sh tests/assess/make_golden_key.sh AS_OF MODE > tests/assess/golden_key_MODE_AS_OF.csv
#
# For each system (rules_key_sys.csv) and the window January 2019:
#
#   * key: for each (org, month, type), the row with the latest published_on
#     on or before AS_OF; value = the sum of their attendances over the
#     system's organisations. A republished type replaces only that type.
#   * whole: for each (org, month), the rows of the latest published_on on
#     or before AS_OF (every type of that publication, and nothing of the
#     earlier ones); value = the sum of their attendances.
#   * status: `met` when value >= 2000, `missed` when not, `no_data` with no
#     rows; gap: value - 2000; needed, when missed: 2000 - value (the
#     attendances a sum short of 2000 lacks), else empty; operands: empty (a
#     commitment has none); coverage: the system's organisations with such rows; members:
#     the organisations in the system.
#   * completeness: the returns January needs are the system's organisations
#     with rows in the file at all (cells_expected), those with a row
#     published on or before AS_OF are in (cells_present). The feed has a
#     vintage and no lag, so January, though ended by every AS_OF used, is
#     known only once every return is in: until then the row is `not_due`,
#     with no value, threshold or window, 0 coverage and members, and
#     `true,0,0` (a result not judged needs nothing).
#
# Rows come in system order. The outputs are committed; tests/assess.test
# runs this script again where sqlite3 is installed and wants the same bytes.

LC_ALL=C
export LC_ALL
as_of=$1 mode=$2
case $as_of in
    [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]) ;;
    *) echo "make_golden_key.sh: $as_of is not a day (YYYY-MM-DD)" >&2; exit 2 ;;
esac
case $mode in
    key) identity='org, month, type' ;;
    whole) identity='org, month' ;;
    *) echo "make_golden_key.sh: MODE is key or whole" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd) || exit 1
db=$(mktemp "${TMPDIR:-/tmp}/golden_key.XXXXXX") || exit 1
trap 'rm -f "$db"' EXIT

echo system,system_name,item,kind,class,status,value,threshold,window,coverage,members,complete,cells_expected,cells_present,gap,needed,operands
sqlite3 -bail "$db" \
    ".mode csv" \
    ".import '$here/rules_key_ae.csv' ae" \
    ".import '$here/rules_key_sys.csv' sys" \
    "CREATE TABLE visible AS SELECT * FROM ae WHERE published_on <= '$as_of' AND month = '2019-01';
     CREATE TABLE latest AS SELECT $identity, max(published_on) AS published_on FROM visible GROUP BY $identity;
     CREATE TABLE counted AS SELECT v.org, CAST(v.attendances AS INTEGER) AS att
         FROM visible v JOIN latest l USING ($identity, published_on);" \
    ".mode list" \
    ".separator ," \
    "CREATE TABLE cells AS SELECT s.system,
            count(*) FILTER (WHERE s.org IN (SELECT org FROM ae)) AS expected,
            count(*) FILTER (WHERE s.org IN (SELECT org FROM visible)) AS present
         FROM sys s GROUP BY s.system;
     SELECT s.system, '', 'c_jan', 'commitment', 'foundational',
            CASE WHEN k.present < k.expected THEN 'not_due,,,,0,0,true,0,0,,,'
            ELSE (CASE WHEN count(c.org) = 0 THEN 'no_data' WHEN sum(c.att) >= 2000 THEN 'met' ELSE 'missed' END)
                 || ',' || (CASE WHEN count(c.org) = 0 THEN '' ELSE sum(c.att) END)
                 || ',2000,2019-01,' || count(DISTINCT c.org) || ',' || count(DISTINCT s.org)
                 || ',true,' || k.expected || ',' || k.present
                 || ',' || (CASE WHEN count(c.org) = 0 THEN '' ELSE sum(c.att) - 2000 END)
                 || ',' || (CASE WHEN count(c.org) = 0 OR sum(c.att) >= 2000 THEN '' ELSE 2000 - sum(c.att) END) || ',' END
         FROM sys s JOIN cells k USING (system) LEFT JOIN counted c ON c.org = s.org
         GROUP BY s.system ORDER BY s.system;"
