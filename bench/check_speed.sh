#!/bin/sh
# check_speed.sh: how long `pledge check` takes on a generated ~10,000-line
# rule file (bench/gen_rules.sh). Not run by `make check`.
#
#   sh bench/check_speed.sh [LINES]        (LINES defaults to 10000)
#
# PLEDGE names the binary (default: ./pledge); RUNS the number of timed runs
# (default 5). Uses hyperfine when it is installed, else prints the best of
# RUNS wall-clock times measured with `date +%s%N`.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
PLEDGE=${PLEDGE:-./pledge}
RUNS=${RUNS:-5}
lines=${1:-10000}

if [ ! -x "$PLEDGE" ]; then
    echo "check_speed.sh: $PLEDGE is not built (set PLEDGE=path/to/pledge)" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pledge-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

rules=$tmp/bench.pledge
sh "$here/gen_rules.sh" "$lines" > "$rules"
n=$(wc -l < "$rules" | tr -d ' ')

# The file must be valid, or the timing means nothing.
if ! "$PLEDGE" check "$rules" > "$tmp/out" 2>&1 || [ -s "$tmp/out" ]; then
    echo "check_speed.sh: pledge check does not accept the generated file cleanly:" >&2
    head -n 20 "$tmp/out" >&2
    exit 1
fi

if command -v hyperfine > /dev/null 2>&1; then
    hyperfine --warmup 1 --runs "$RUNS" "$PLEDGE check $rules"
    exit 0
fi

case $(date +%N) in
    *N*|'') echo "check_speed.sh: this date has no %N; install hyperfine" >&2; exit 2 ;;
esac

best=
i=0
while [ "$i" -lt "$RUNS" ]; do
    start=$(date +%s%N)
    "$PLEDGE" check "$rules" > /dev/null 2>&1
    end=$(date +%s%N)
    t=$(( (end - start) / 1000 ))            # microseconds
    if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
    i=$((i + 1))
done

printf 'pledge check, %s lines: best of %s runs %d.%03d ms\n' \
    "$n" "$RUNS" $((best / 1000)) $((best % 1000))
