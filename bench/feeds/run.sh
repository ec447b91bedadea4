#!/bin/sh
# bench/feeds/run.sh: loading a large feed, Pledge beside DuckDB, sqlite3 and
# pandas (issue 4). Not run by `make check`. From the build directory:
#
#   make bench/feeds/ae_rollup && sh bench/feeds/run.sh [ROWS]
#
# Generates an A&E-shaped feed of ROWS rows (default 10,000,000, about
# 420 MB) and a lookup of 23,000 providers into 44 systems, computes each
# system's four-hour performance per financial year with each tool, checks
# that every tool gives the same numbers (to 1e-12; the set of systems and
# years must be identical), and prints a markdown table of the best wall time
# of RUNS runs (default 3), with the CPU time and peak resident memory of that
# run, all from /usr/bin/time. Also times `pledge data` (the load alone). The
# tools take turns, one run each a round, so a burst of load from something
# else on the machine is spread over them.
#
# Needs: /usr/bin/time, sqlite3, python3-pandas, node with `npm ci` run in
# bench/ (for @duckdb/node-api). PLEDGE, AE_ROLLUP, PYTHON and NODE name
# the programs (default ./pledge, ./bench/feeds/ae_rollup, /usr/bin/python3,
# node); TMPDIR where the data goes (it needs about 400 MB per 10M rows).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
rows=${1:-10000000}
providers=23000 systems=44
PLEDGE=${PLEDGE:-./pledge}
AE_ROLLUP=${AE_ROLLUP:-./bench/feeds/ae_rollup}
PYTHON=${PYTHON:-/usr/bin/python3}
NODE=${NODE:-node}
RUNS=${RUNS:-3}

die() { echo "run.sh: $*" >&2; exit 2; }
[ -x "$PLEDGE" ] || die "$PLEDGE is not built (set PLEDGE)"
[ -x "$AE_ROLLUP" ] || die "$AE_ROLLUP is not built: make bench/feeds/ae_rollup (or set AE_ROLLUP)"
[ -x /usr/bin/time ] || die "needs GNU time as /usr/bin/time (apt-get install time)"
command -v sqlite3 > /dev/null || die "needs sqlite3 (apt-get install sqlite3)"
"$PYTHON" -c 'import pandas' 2> /dev/null || die "$PYTHON cannot import pandas (apt-get install python3-pandas)"
[ -d "$here/../node_modules/@duckdb/node-api" ] || die "no @duckdb/node-api: run npm ci in $(dirname "$here")"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pledge-feeds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

echo "generating $rows rows, $providers providers in $systems systems ..." >&2
sh "$here/gen_ae.sh" "$rows" "$providers" "$systems" "$tmp"
ae=$tmp/ae.csv lookup=$tmp/lookup.csv
rules=$here/round.pledge

# The tools, one per line: name|version|command. Each command prints
# system,fy,performance.
duckdb_v=$("$NODE" -p "require('$here/../node_modules/@duckdb/node-api/package.json').version")
cat > "$tmp/tools" <<EOF
Pledge (ae_rollup)|$("$PLEDGE" --version | sed 's/^pledge //')|$AE_ROLLUP $rules $ae $lookup
DuckDB (@duckdb/node-api)|$duckdb_v|$NODE $here/duckdb_rollup.mjs $ae $lookup
sqlite3 (CLI, in memory)|$(sqlite3 --version | cut -d' ' -f1)|sh $here/sqlite_rollup.sh $ae $lookup
pandas|$("$PYTHON" -c 'import pandas; print(pandas.__version__)')|$PYTHON $here/pandas_rollup.py $ae $lookup
Pledge, load only (pledge data)|$("$PLEDGE" --version | sed 's/^pledge //')|$PLEDGE data --rules $rules --feed ae=$ae --feed stp=$lookup
EOF

# One timed run: appends "seconds kilobytes cpu-seconds" to $tmp/times$2.
run_one() {     # command, tool number
    # the command is split at spaces, so the paths must hold none
    # shellcheck disable=SC2086
    if ! /usr/bin/time -f "%e %M %U %S" -o "$tmp/time" $1 < /dev/null > "$tmp/out$2.csv" 2> "$tmp/err$2"; then
        echo "run.sh: failed: $1" >&2
        cat "$tmp/err$2" >&2
        exit 1
    fi
    awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$tmp/time" >> "$tmp/times$2"
}

# Compares a tool's output with the reference: the same header, systems and
# years in the same order, performance within 1e-12. Prints the largest
# difference; fails on a mismatch.
agree() {       # reference, other
    awk -F, -v tol=1e-12 '
        NR == FNR { ref[FNR] = $0; n = FNR; next }
        {
            m = FNR
            if (FNR > n) { print "extra line " FNR ": " $0; bad = 1; exit }
            split(ref[FNR], r, ",")
            if (FNR == 1) { if ($0 != ref[1]) { print "header: " $0; bad = 1; exit } next }
            if ($1 != r[1] || $2 != r[2]) { print "line " FNR ": " $0 " where the reference has " ref[FNR]; bad = 1; exit }
            d = $3 - r[3]; if (d < 0) d = -d
            if (d > max) max = d
            if (d > tol) { print "line " FNR ": " $0 " differs from " ref[FNR] " by " d; bad = 1; exit }
        }
        END {
            if (!bad && m != n) { print "has " m " lines, the reference " n; bad = 1 }
            if (bad) exit 1
            printf "%.3g\n", max
        }' "$1" "$2"
}

bytes=$(wc -c < "$ae" | tr -d ' ')
# Round after round, each tool once a round, so that a burst of load on the
# machine does not fall on one tool's runs only.
r=0
while [ "$r" -lt "$RUNS" ]; do
    r=$((r + 1))
    echo "round $r of $RUNS (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    k=0
    while IFS='|' read -r name version cmd; do
        k=$((k + 1))
        echo "  $name" >&2
        run_one "$cmd" "$k"
    done < "$tmp/tools"
done
# The best run of each: its time, its memory, its CPU time
k=0
while IFS='|' read -r name version cmd; do
    k=$((k + 1))
    best=$(sort -n "$tmp/times$k" | head -n 1)
    echo "$name|$version|$(echo "$best" | tr ' ' '|')" >> "$tmp/results"
done < "$tmp/tools"

# Agreement: every rollup against Pledge's (the load-only row prints no figures)
lines=$(($(wc -l < "$tmp/out1.csv") - 1))
[ "$lines" -gt 0 ] || die "Pledge printed no figures"
echo
echo "Agreement: $lines (system, financial year) figures from each tool."
for k in 2 3 4; do
    name=$(sed -n "${k}p" "$tmp/tools" | cut -d'|' -f1)
    if ! diff=$(agree "$tmp/out1.csv" "$tmp/out$k.csv"); then
        echo "run.sh: $name disagrees with Pledge: $diff" >&2
        exit 1
    fi
    echo "- $name: agrees with Pledge; largest difference $diff"
done

echo
printf '%s rows, %s MB of CSV; %s providers in %s systems; best of %s runs.\n\n' \
    "$rows" "$((bytes / 1000000))" "$providers" "$systems" "$RUNS"
duck=$(sed -n 2p "$tmp/results")
duck_t=$(echo "$duck" | cut -d'|' -f3) duck_m=$(echo "$duck" | cut -d'|' -f4)
echo "| tool | version | wall time (s) | CPU time (s) | peak memory (MiB) | time ÷ DuckDB's | memory ÷ DuckDB's |"
echo "|---|---|---:|---:|---:|---:|---:|"
while IFS='|' read -r name version t m cpu; do
    awk -v name="$name" -v v="$version" -v t="$t" -v m="$m" -v cpu="$cpu" -v dt="$duck_t" -v dm="$duck_m" 'BEGIN {
        printf "| %s | %s | %.2f | %.2f | %.0f | %.2f | %.2f |\n", name, v, t, cpu, m / 1024, t / dt, m / dm
    }'
done < "$tmp/results"
echo
echo "Wall and CPU (user + system) time and peak resident memory are /usr/bin/time's"
echo "%e, %U + %S and %M for the run with the best wall time."
echo "All wall times (s), each tool's runs in order:"
k=0
while IFS='|' read -r name version cmd; do
    k=$((k + 1))
    echo "- $name: $(cut -d' ' -f1 "$tmp/times$k" | tr '\n' ' ')"
done < "$tmp/tools"
if grep -q '^ae_rollup:' "$tmp/err1"; then
    echo
    echo "Pledge's phases in its last run: $(sed -n 's/^ae_rollup: //p' "$tmp/err1")."
fi
