#!/bin/sh
# bench/pushdown/run.sh [ROWS] [DIR]: issue 17's pushed-down aggregation.
# Generates ROWS (default 10 million) A&E rows with bench/feeds/gen_ae.sh
# into DIR (default a temporary folder), loads them into an SQLite table
# with INTEGER columns, then, REPS times alternating (default 3):
#   csv     pledge assess of round.pledge over the CSV file
#   sqlite  the same over sqlite:DB:ae (the aggregation pushed down)
#   query   sqlite3 running `pledge sql`'s query alone
#   groupby sqlite3's own GROUP BY of the same figures, written plainly
# and prints each one's wall, user and system seconds (/usr/bin/time), and
# whether csv's and sqlite's reports are the same bytes. The machine is
# shared: the load average is printed with each run. Needs sqlite3.
# COUNT=1: instead, the instructions sqlite3 takes for query and groupby
# (valgrind's callgrind, once each) and their ratio: a figure a loaded
# machine does not change (docs/performance.md measured it at 1M rows).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${1:-10000000}
dir=${2:-$(mktemp -d "${TMPDIR:-/tmp}/pledge-pushdown.XXXXXX")}
reps=${REPS:-3}
pledge=${PLEDGE:-$root/pledge}
mkdir -p "$dir"
[ -f "$dir/ae.csv" ] || sh "$root/bench/feeds/gen_ae.sh" "$rows" 23000 44 "$dir"
[ -f "$dir/ae.db" ] || sqlite3 "$dir/ae.db" \
    "CREATE TABLE ae (period TEXT, org_code TEXT, type TEXT, attendances INTEGER, breaches INTEGER, admissions INTEGER);" \
    ".mode csv" ".import --skip 1 $dir/ae.csv ae"
"$pledge" sql "$here/round.pledge" > "$dir/query.sql"
cat > "$dir/groupby.sql" <<'SQL'
SELECT org_code, period, COUNT(*), SUM(breaches), SUM(attendances),
       SUM(CASE WHEN type = '1' THEN breaches END), SUM(CASE WHEN type = '1' THEN attendances END)
FROM ae GROUP BY org_code, period;
SQL
if [ -n "${COUNT:-}" ]; then
    for name in query groupby; do
        valgrind --tool=callgrind --callgrind-out-file="$dir/$name.cg" sqlite3 "$dir/ae.db" ".read $dir/$name.sql" \
            > "$dir/$name.out" 2> "$dir/$name.err" || { cat "$dir/$name.err"; exit 1; }
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$dir/$name.err" > "$dir/$name.count"
        echo "$name instructions $(cat "$dir/$name.count")"
    done
    echo "query / groupby: $(echo "scale=3; $(cat "$dir/query.count") / $(cat "$dir/groupby.count")" | bc)"
    exit 0
fi
t() {   # NAME COMMAND...: one timed run
    name=$1; shift
    /usr/bin/time -f "$name wall %e user %U sys %S maxrss_kb %M" "$@" > "$dir/$name.out" 2> "$dir/$name.time" || { cat "$dir/$name.time"; exit 1; }
    echo "$(tail -1 "$dir/$name.time")  load $(cut -d' ' -f1 /proc/loadavg)"
}
feeds="--feed stp=$dir/lookup.csv --as-of 2019-06-30 --format csv"
for _ in $(seq "$reps"); do
    # shellcheck disable=SC2086
    t csv "$pledge" assess "$here/round.pledge" --feed "ae=$dir/ae.csv" $feeds
    # shellcheck disable=SC2086
    t sqlite "$pledge" assess "$here/round.pledge" --feed "ae=sqlite:$dir/ae.db:ae" $feeds
    t query sqlite3 "$dir/ae.db" ".read $dir/query.sql"
    t groupby sqlite3 "$dir/ae.db" ".read $dir/groupby.sql"
done
if cmp -s "$dir/csv.out" "$dir/sqlite.out"; then echo "reports: the same"; else echo "reports: DIFFER"; exit 1; fi
"$pledge" data --rules "$here/round.pledge" --feed "ae=sqlite:$dir/ae.db:ae" | grep '^  read'
