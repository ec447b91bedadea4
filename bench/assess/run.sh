#!/bin/sh
# bench/assess/run.sh: a whole assessment, Pledge beside DuckDB (issue 5).
# Not run by `make check`. From the build directory:
#
#   make && sh bench/assess/run.sh [ROWS]
#
# Generates the A&E-shaped feed of bench/feeds/gen_ae.sh (ROWS rows, default
# 10,000,000; PROVIDERS providers, default 23,000, in 44 systems; months
# from 2016-04 on) and assesses the 30 commitments of bench/assess/round.pledge
# for every system as of AS_OF (default 2025-06-30):
#
# - Pledge: `pledge assess round.pledge --feed ae=... --feed stp=...
#   --as-of AS_OF --format csv -o OUT`;
# - DuckDB from Node (@duckdb/node-api): bench/assess/duckdb_assess.mjs, the
#   same statuses, values, thresholds, windows and coverage in SQL, written
#   in the same CSV format;
# - `pledge data` on the same feeds, the load alone, to show how the time
#   divides between loading and evaluating.
#
# Each tool runs RUNS times (default 3), the tools taking turns, under
# /usr/bin/time (wall, CPU = user + system, peak resident memory). Then
# bench/assess/agree.mjs checks that DuckDB's output agrees with Pledge's
# (the same systems and commitments, equal statuses, values within 1e-12;
# it fails otherwise and keeps the outputs), and the script prints a
# markdown table of each tool's best run.
#
# Needs: /usr/bin/time, node with `npm ci` run in bench/ (for
# @duckdb/node-api). PLEDGE and NODE name the programs (default ./pledge,
# node); TMPDIR where the data goes (about 420 MB per 10M rows); DATA a
# folder holding ae.csv and lookup.csv from an earlier run to use instead of
# generating them (they must match ROWS and PROVIDERS: they are not checked);
# KEEP=1 keeps the outputs (the folder is printed).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
feeds=$(cd "$here/../feeds" && pwd)
rows=${1:-10000000}
providers=${PROVIDERS:-23000} systems=44
PLEDGE=${PLEDGE:-./pledge}
NODE=${NODE:-node}
RUNS=${RUNS:-3}
AS_OF=${AS_OF:-2025-06-30}

die() { echo "run.sh: $*" >&2; exit 2; }
[ -x "$PLEDGE" ] || die "$PLEDGE is not built (set PLEDGE)"
"$PLEDGE" assess --help > /dev/null 2>&1 || die "$PLEDGE has no assess command"
[ -x /usr/bin/time ] || die "needs GNU time as /usr/bin/time (apt-get install time)"
[ -d "$feeds/../node_modules/@duckdb/node-api" ] || die "no @duckdb/node-api: run npm ci in $(dirname "$feeds")"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pledge-assess.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
    trap 'echo "outputs kept in $tmp" >&2' EXIT
else
    trap 'rm -rf "$tmp"' EXIT
fi
trap 'exit 130' INT TERM HUP

if [ -n "${DATA:-}" ]; then
    if [ ! -f "$DATA/ae.csv" ] || [ ! -f "$DATA/lookup.csv" ]; then die "no ae.csv and lookup.csv in $DATA"; fi
    ae=$DATA/ae.csv lookup=$DATA/lookup.csv
    echo "using $ae and $lookup" >&2
else
    echo "generating $rows rows, $providers providers in $systems systems ..." >&2
    sh "$feeds/gen_ae.sh" "$rows" "$providers" "$systems" "$tmp"
    ae=$tmp/ae.csv lookup=$tmp/lookup.csv
fi
rules=$here/round.pledge

# The tools, one per line: name|version|command. @OUT@ in a command is the
# file it writes the long CSV to; the first two are compared.
pledge_v=$("$PLEDGE" --version | sed 's/^pledge //')
duckdb_v=$("$NODE" -p "require('$feeds/../node_modules/@duckdb/node-api/package.json').version")
cat > "$tmp/tools" <<EOF
Pledge (pledge assess)|$pledge_v|$PLEDGE assess $rules --feed ae=$ae --feed stp=$lookup --as-of $AS_OF --format csv -o @OUT@
DuckDB (@duckdb/node-api)|$duckdb_v|$NODE $here/duckdb_assess.mjs $rules $ae $lookup $AS_OF @OUT@
Pledge, load only (pledge data)|$pledge_v|$PLEDGE data --rules $rules --feed ae=$ae --feed stp=$lookup
EOF

# One timed run: appends "seconds kilobytes cpu-seconds" to $tmp/times$2.
run_one() {     # command, tool number
    rm -f "$tmp/out$2.csv"
    cmd=$(echo "$1" | sed "s|@OUT@|$tmp/out$2.csv|")
    # the command is split at spaces, so the paths must hold none
    # shellcheck disable=SC2086
    if ! /usr/bin/time -f "%e %M %U %S" -o "$tmp/time" $cmd < /dev/null > "$tmp/stdout$2" 2> "$tmp/err$2"; then
        echo "run.sh: failed: $cmd" >&2
        cat "$tmp/err$2" >&2
        exit 1
    fi
    awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$tmp/time" >> "$tmp/times$2"
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

# Agreement: DuckDB's output against Pledge's (of the last round)
echo
echo "Agreement (system, commitment, status, value; values to 1e-12):"
if ! said=$("$NODE" "$here/agree.mjs" "$tmp/out1.csv" "$tmp/out2.csv"); then
    echo "run.sh: DuckDB disagrees with Pledge (outputs kept in $tmp)" >&2
    trap - EXIT
    exit 1
fi
echo "- DuckDB agrees with Pledge: $said"
if cmp -s "$tmp/out1.csv" "$tmp/out2.csv"; then
    echo "- the two CSV files are byte for byte the same"
fi

echo
printf '%s rows, %s MB of CSV; %s providers in %s systems; %s commitments as of %s; best of %s runs.\n\n' \
    "$rows" "$((bytes / 1000000))" "$providers" "$systems" \
    "$(grep -c '^[a-z]* *commitment ' "$rules")" "$AS_OF" "$RUNS"
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
