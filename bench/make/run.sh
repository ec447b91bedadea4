#!/bin/sh
# bench/make/run.sh: what `make bench` and `make bench-smoke` run (issue 17).
# From the build directory, after `make bench/make/count_lines`, with
# `npm ci` run in bench/ (make bench does both):
#
#   sh bench/make/run.sh
#
# For each size in BENCH_ROWS (default "1000000 10000000 50000000"):
#
# 1. the data: bench/feeds/gen_ae.sh writes an A&E-shaped feed of that many
#    rows over 144 months (2016-04 to 2028-03), 23,000 providers in 44
#    systems, three department types, into BENCH_CACHE (default
#    ${TMPDIR:-/tmp}/pledge-bench-data), in a folder named by the parameters
#    and the generator's hash; a folder already complete is used again;
# 2. the tools, in turns, BENCH_RUNS rounds (default 3), each run under
#    /usr/bin/time (wall, user + system CPU, peak resident memory):
#    - Pledge: `pledge assess bench/make/round.pledge` (four commitments, two
#      `where ae.type == "1"`) as of 2028-06-30, JSON report;
#    - DuckDB through @duckdb/node-api (duckdb.mjs), sqlite3's shell in
#      memory (sqlite.sh), pandas (pandas_figures.py): the same four figures
#      per system (figures.sql);
#    - the floor: count_lines, the file's lines counted on two threads;
# 3. every run's figures are checked against Pledge's (bench.mjs agree:
#    the same 44 × 4 figures, to 1e-12), and the floor's count against the
#    rows: a disagreement stops the bench with status 1;
# 4. a markdown block (the machine, the load, versions, a table of medians
#    and min–max) is printed and written into BENCH_DOC (default
#    docs/performance.md of the sources; empty: not written) between its
#    markers, replacing that size's block.
#
# BENCH_SMOKE=1: one round, agreement only: no table, the doc untouched.
# PLEDGE, COUNT_LINES, NODE, PYTHON (with pandas; default /usr/bin/python3),
# SQLITE3 name the programs; CC_VERSION the compiler Pledge was built with.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bench=$(cd "$here/.." && pwd)
BENCH_ROWS=${BENCH_ROWS:-1000000 10000000 50000000}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_CACHE=${BENCH_CACHE:-${TMPDIR:-/tmp}/pledge-bench-data}
BENCH_DOC=${BENCH_DOC-$bench/../docs/performance.md}
BENCH_SMOKE=${BENCH_SMOKE:-0}
PLEDGE=${PLEDGE:-./pledge}
COUNT_LINES=${COUNT_LINES:-./bench/make/count_lines}
NODE=${NODE:-node}
PYTHON=${PYTHON:-/usr/bin/python3}
SQLITE3=${SQLITE3:-sqlite3}
export SQLITE3     # sqlite.sh runs it
providers=23000 systems=44 months=144 as_of=2028-06-30
round=$here/round.pledge

die() { echo "bench: $*" >&2; exit 2; }
[ -x "$PLEDGE" ] || die "$PLEDGE is not built (set PLEDGE)"
[ -x "$COUNT_LINES" ] || die "$COUNT_LINES is not built: make bench/make/count_lines (or set COUNT_LINES)"
[ -x /usr/bin/time ] || die "needs GNU time as /usr/bin/time (apt-get install time)"
command -v "$NODE" > /dev/null || die "needs node (apt-get install nodejs npm)"
command -v "$SQLITE3" > /dev/null || die "needs sqlite3 (apt-get install sqlite3)"
"$PYTHON" -c 'import pandas' 2> /dev/null || die "$PYTHON cannot import pandas (apt-get install python3-pandas)"
[ -d "$bench/node_modules/@duckdb/node-api" ] || die "no @duckdb/node-api: run npm ci in $bench"
[ "$BENCH_RUNS" -ge 1 ] 2> /dev/null || die "BENCH_RUNS must be a whole number of runs, not '$BENCH_RUNS'"
for rows in $BENCH_ROWS; do
    case $rows in ''|*[!0-9]*|0*) die "BENCH_ROWS: '$rows' is not a number of rows" ;; esac
done
# the commands are split at spaces (run_one)
for path in "$BENCH_CACHE" "$here" "$PLEDGE" "$COUNT_LINES" "$NODE" "$PYTHON"; do
    case $path in *[!A-Za-z0-9/._+-]*) die "'$path' holds a character the commands cannot take (a space?)" ;; esac
done
[ "$BENCH_SMOKE" = 1 ] && BENCH_RUNS=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pledge-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

# ---- versions and the machine -------------------------------------------
pledge_v=$("$PLEDGE" --version | sed 's/^pledge //')
duckdb_v=$(cd "$bench" && "$NODE" -p "require('@duckdb/node-api/package.json').version")
node_v=$("$NODE" --version)
sqlite_v=$("$SQLITE3" --version | cut -d' ' -f1)
pandas_v=$("$PYTHON" -c 'import pandas; print(pandas.__version__)')
python_v=$("$PYTHON" -c 'import platform; print(platform.python_version())')
# Debian's GNU time says its version is UNKNOWN; its package knows
time_v=$(dpkg-query -W -f 'GNU time ${Version}' time 2> /dev/null || /usr/bin/time --version 2>&1 | head -n 1)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
commit=$(git -C "$bench" rev-parse --short HEAD 2> /dev/null || echo unknown)
if [ -n "$(git -C "$bench" status --porcelain --untracked-files=no 2> /dev/null)" ]; then commit="$commit (with changes)"; fi

thousands() { echo "$1" | sed ':a; s/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/; ta'; }

gen=$bench/feeds/gen_ae.sh
gen_hash=$(sha256sum "$gen" | cut -c1-12)

# One timed run of tool number $2 (named $3, version $4): appends its
# "wall cpu kilobytes" to the times, then checks what it computed.
run_one() {     # command, tool number, name, version
    out=$tmp/out$2
    rm -f "$out" "$out.json"
    cmd=$(echo "$1" | sed "s|@OUT@|$out|g")
    # the command is split at spaces; the paths hold none (checked above)
    # shellcheck disable=SC2086
    if ! /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" $cmd < /dev/null > "$out.stdout" 2> "$tmp/err"; then
        echo "bench: failed: $cmd" >&2
        cat "$tmp/err" >&2
        exit 1
    fi
    awk -v t="$3|$4" '{ printf "%s|%s %.2f %d\n", t, $1, $2 + $3, $4 }' "$tmp/time" >> "$tmp/times"
    case $2 in
    1)  "$NODE" "$here/bench.mjs" figures "$out.json" > "$tmp/pledge.csv" ;;
    5)  lines=$(cat "$out.stdout")
        [ "$lines" = $((rows + 1)) ] || { echo "bench: the floor counted $lines lines in $ae, not $((rows + 1))" >&2; exit 1; } ;;
    *)  if ! said=$("$NODE" "$here/bench.mjs" agree "$tmp/pledge.csv" "$out.stdout"); then
            mkdir -p "$BENCH_CACHE/disagreed"
            cp "$tmp/pledge.csv" "$BENCH_CACHE/disagreed/pledge.csv"
            cp "$out.stdout" "$BENCH_CACHE/disagreed/tool$2.csv"
            echo "bench: $3 DISAGREES with Pledge on $rows rows (the figures are in $BENCH_CACHE/disagreed)" >&2
            exit 1
        fi
        echo "$said" > "$tmp/agree$2" ;;
    esac
}

for rows in $BENCH_ROWS; do
    # ---- 1. the data, made once per set of parameters -------------------
    data=$BENCH_CACHE/ae-$rows-$providers-$systems-$months-$gen_hash
    if [ ! -f "$data/complete" ]; then
        echo "bench: generating $rows rows into $data ..." >&2
        rm -rf "$data" "$data.part"
        mkdir -p "$data.part"
        sh "$gen" "$rows" "$providers" "$systems" "$data.part" "$months"
        echo "rows=$rows providers=$providers systems=$systems months=$months gen=$gen_hash" > "$data.part/complete"
        mv "$data.part" "$data"
    else
        echo "bench: using $data" >&2
    fi
    ae=$data/ae.csv lookup=$data/lookup.csv
    bytes=$(wc -c < "$ae" | tr -d ' ')

    # ---- 2. the tools, in turns -------------------------------------------
    # name|version|command; @OUT@ is a file the command may write
    cat > "$tmp/tools" <<EOF
Pledge (\`pledge assess\`, JSON)|$pledge_v|$PLEDGE assess $round --feed ae=$ae --feed stp=$lookup --as-of $as_of --format json -o @OUT@.json
DuckDB (@duckdb/node-api)|$duckdb_v|$NODE $here/duckdb.mjs $ae $lookup
sqlite3 (shell, in memory)|$sqlite_v|sh $here/sqlite.sh $ae $lookup
pandas|$pandas_v|$PYTHON $here/pandas_figures.py $ae $lookup
floor: lines counted on two threads|C|$COUNT_LINES $ae
EOF
    rm -f "$tmp/times"
    load_start=$(cut -d' ' -f1-3 /proc/loadavg)
    started=$(date -u '+%Y-%m-%d %H:%M UTC')
    r=0
    while [ "$r" -lt "$BENCH_RUNS" ]; do
        r=$((r + 1))
        echo "bench: $rows rows, round $r of $BENCH_RUNS (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
        k=0
        while IFS='|' read -r name version cmd; do
            k=$((k + 1))
            echo "bench:   $name" >&2
            run_one "$cmd" "$k" "$name" "$version" < /dev/null
        done < "$tmp/tools"
    done
    load_end=$(cut -d' ' -f1-3 /proc/loadavg)

    # ---- 3. agreement (every run was checked as it ended) ------------------
    agreed=$(cat "$tmp/agree2")
    echo "bench: $rows rows: DuckDB, sqlite3 and pandas agree with Pledge: $agreed" >&2
    [ "$BENCH_SMOKE" = 1 ] && continue

    # ---- 4. the block for the doc --------------------------------------------
    {
        printf '### %s rows\n\n' "$(thousands "$rows")"
        printf '%s, Pledge at commit %s; %s MB of CSV (%s rows, %s providers in %s systems, %s months); ' \
            "$started" "$commit" "$(thousands $((bytes / 1000000)))" "$(thousands "$rows")" "$(thousands "$providers")" "$systems" "$months"
        printf '%s, the tools in turns. Machine: %s cores (`nproc`), %s, %s; load average %s at the start, %s at the end.\n\n' \
            "$(if [ "$BENCH_RUNS" = 1 ]; then echo 'one round'; else echo "$BENCH_RUNS rounds"; fi)" "$(nproc)" "$cpu" "$mem" "$load_start" "$load_end"
        "$NODE" "$here/bench.mjs" table "$tmp/times"
        if [ "$BENCH_RUNS" = 1 ]; then
            printf '\nOne run of each: `/usr/bin/time` %%e, %%U + %%S and %%M.\n'
        else
            printf '\nMedians, with the least and the most in brackets, of `/usr/bin/time` %%e, %%U + %%S and %%M; ratios of medians.\n'
        fi
        printf 'Agreement, checked in every run: DuckDB, sqlite3 and pandas each gave the same figures as Pledge: %s.\n' "$agreed"
        printf 'Versions: Pledge %s (%s), DuckDB %s through @duckdb/node-api on Node %s, sqlite3 %s, pandas %s on Python %s, %s.\n' \
            "$pledge_v" "${CC_VERSION:-compiler unknown}" "$(echo "$duckdb_v" | sed 's/-r\..*//')" "$node_v" "$sqlite_v" "$pandas_v" "$python_v" "$time_v"
    } > "$tmp/block.md"
    cat "$tmp/block.md"
    echo
    if [ -n "$BENCH_DOC" ]; then
        "$NODE" "$here/bench.mjs" doc "$BENCH_DOC" "$rows" "$tmp/block.md"
        echo "bench: $rows rows written into $BENCH_DOC" >&2
    fi
done
