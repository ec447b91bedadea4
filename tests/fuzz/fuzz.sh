#!/bin/sh
# fuzz.sh SRCDIR BUILDDIR: builds the libFuzzer harnesses of tests/fuzz with
# clang, ASan and UBSan, seeds their corpora from the test suites, and runs
# each for FUZZ_SECONDS (docs/fuzzing.md). `make fuzz` runs it with:
#
#   FUZZ_CC        the compiler (clang: libFuzzer is clang's)
#   FUZZ_SECONDS   how long each harness runs (60)
#   FUZZ_HARNESSES which of them (front plb csv manifest pipeline inputs variations)
#   FUZZ_SOURCES   the library's sources, as Makefile.am lists them
#   FUZZ_CFLAGS    and FUZZ_LIBS: what configure found for libffi, Nettle,
#                  SQLite and Jansson
#   PLEDGE         the built command, to compile .plb seeds and make manifests
#
# Everything goes under BUILDDIR/tests/fuzz/build: objects, the harnesses,
# seeds (made afresh each run), the corpora (kept from run to run: each run
# starts where the last one stopped) and findings/ (a crashing input, as
# libFuzzer wrote it). Prints one line per harness, `fuzz_NAME: N executions
# in S s`, and exits 1 if any harness found something.
set -eu

srcdir=$1
builddir=$2
cc=${FUZZ_CC:-clang}
seconds=${FUZZ_SECONDS:-60}
harnesses=${FUZZ_HARNESSES:-front plb csv manifest pipeline inputs variations}
out=$builddir/tests/fuzz/build
fuzz=$srcdir/tests/fuzz

command -v "$cc" > /dev/null 2>&1 || { echo "fuzz.sh: no $cc (Debian: apt-get install clang)" >&2; exit 1; }
mkdir -p "$out/obj" "$out/findings" "$out/seeds"

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# FUZZ_CFLAGS and FUZZ_LIBS are lists of flags, split on purpose
cflags="-std=c11 -D_XOPEN_SOURCE=700 -pthread -g -O1 $san -I$srcdir -I$builddir -I$srcdir/runtime -I$srcdir/include ${FUZZ_CFLAGS:-}"

# ---- the library, instrumented ---------------------------------------------------
# Every .c of the library, from the build folder if generated there; an
# object is rebuilt when its source or any header is newer.
objs=
jobs=$(getconf _NPROCESSORS_ONLN 2> /dev/null || echo 2)
: > "$out/compile.list"
for s in $FUZZ_SOURCES; do
    case $s in *.c) ;; *) continue ;; esac
    if [ -f "$builddir/$s" ]; then src=$builddir/$s; else src=$srcdir/$s; fi
    obj=$out/obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')
    objs="$objs $obj"
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] ||
       [ -n "$(find "$srcdir/runtime" "$srcdir/lang" "$srcdir/include" "$srcdir/stdlib" "$builddir/lang" \
                 -name '*.h' -newer "$obj" 2> /dev/null | head -n 1)" ]; then
        echo "$src $obj" >> "$out/compile.list"
    fi
done
if [ -s "$out/compile.list" ]; then
    echo "fuzz.sh: compiling $(wc -l < "$out/compile.list") sources with $cc -fsanitize=fuzzer-no-link,address,undefined"
    # shellcheck disable=SC2086
    xargs -P "$jobs" -n 2 sh -c 'exec "$0" '"$cflags"' -w -fsanitize=fuzzer-no-link -c "$1" -o "$2"' "$cc" \
        < "$out/compile.list"
fi

# ---- the harnesses -------------------------------------------------------------------
for h in $harnesses; do
    bin=$out/fuzz_$h
    if [ ! -f "$bin" ] || [ "$fuzz/fuzz_$h.c" -nt "$bin" ] || [ "$fuzz/fuzz.h" -nt "$bin" ] ||
       [ -n "$(find "$out/obj" -newer "$bin" | head -n 1)" ]; then
        echo "fuzz.sh: linking fuzz_$h"
        # shellcheck disable=SC2086
        "$cc" $cflags -fsanitize=fuzzer "$fuzz/fuzz_$h.c" $objs ${FUZZ_LIBS:-} -lm -o "$bin"
    fi
done

# ---- seeds from the test suites ------------------------------------------------------
# Made afresh each run, never committed (hundreds of files): every rule
# file, each compiled, every small CSV, a manifest of a run, and rule files
# with their feeds joined for the pipeline. tests/fuzz/seeds/ holds the few
# that are committed (findings' inputs among them).
seeds=$out/seeds
rm -rf "$seeds"
for h in front plb csv manifest pipeline inputs variations; do mkdir -p "$seeds/$h"; done
n=0
for f in "$srcdir"/tests/lang/valid/*.pledge "$srcdir"/tests/lang/invalid/*.pledge "$srcdir"/tests/assess/*.pledge \
         "$srcdir"/tests/data/*.pledge "$srcdir"/tests/provenance/*.pledge "$srcdir"/examples/*/*.pledge \
         "$srcdir"/stdlib/std/*.pledge; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    cp "$f" "$seeds/front/$n.pledge"
    # imports resolve from the rule file's own folder, so compile it there
    "$PLEDGE" compile "$f" -o "$seeds/plb/$n.plb" > /dev/null 2>&1 || rm -f "$seeds/plb/$n.plb"
done
for f in "$srcdir"/tests/data/*.csv "$srcdir"/tests/assess/rules_*.csv "$srcdir"/tests/provenance/*.csv; do
    [ -f "$f" ] && [ "$(wc -c < "$f")" -le 8192 ] || continue
    n=$((n + 1))
    # the first byte: 0, the feed's CSV; 2, the hierarchy's (fuzz_csv.c)
    { printf '\000'; cat "$f"; } > "$seeds/csv/$n-feed.csv"
    { printf '\002'; cat "$f"; } > "$seeds/csv/$n-hier.csv"
done
prov=$srcdir/tests/provenance
( cd "$prov" && "$PLEDGE" assess round.pledge --feed m=m.csv --feed sys=sys.csv --as-of 2019-06-30 \
      -o "$seeds/manifest/report.txt" --manifest "$seeds/manifest/round.json" > /dev/null 2>&1 ) || true
( cd "$srcdir/tests/assess" && "$PLEDGE" assess rules_basic.pledge --feed m=rules_basic_bad.csv \
      --feed sys=rules_basic_sys.csv --as-of 2019-06-30 --on-bad-row=skip --system S01 \
      -o "$seeds/manifest/report.txt" --manifest "$seeds/manifest/skipped.json" > /dev/null 2>&1 ) || true
rm -f "$seeds/manifest/report.txt"
# pipeline: RULES NUL CSV NUL CSV..., the CSVs in the order the rule file
# declares its feeds and hierarchies (fuzz_pipeline.c)
pipeline_seed() {    # OUT RULES CSV...
    seed_out=$1
    shift
    cat "$1" > "$seed_out"
    shift
    for c in "$@"; do printf '\000' >> "$seed_out"; cat "$c" >> "$seed_out"; done
}
pipeline_seed "$seeds/pipeline/provenance" "$prov/round.pledge" "$prov/m.csv" "$prov/sys.csv"
for r in "$srcdir"/tests/assess/rules_*.pledge; do
    base=${r%.pledge}
    set --
    ok=yes
    for name in $(sed -n 's/^\(feed\|hierarchy\) \([A-Za-z_][A-Za-z0-9_]*\).*/\2/p' "$r"); do
        if [ -f "${base}_$name.csv" ]; then set -- "$@" "${base}_$name.csv"; else ok=no; fi
    done
    [ "$ok" = yes ] && [ $# -gt 0 ] && pipeline_seed "$seeds/pipeline/$(basename "$base")" "$r" "$@"
done
# inputs: every inputs file of the tests (fuzz_inputs.c)
for f in "$srcdir"/tests/hostile/inputs/*.inputs "$srcdir"/tests/assess/inputs/*.inputs "$srcdir"/examples/*/*.inputs; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    cp "$f" "$seeds/inputs/$n.inputs"
done
# variations: every variations file of the tests (fuzz_variations.c)
for f in "$srcdir"/tests/hostile/variations/*.var "$srcdir"/tests/assess/vary/*.var; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    cp "$f" "$seeds/variations/$n.var"
done
for h in front plb csv manifest pipeline inputs variations; do
    [ -d "$fuzz/seeds/$h" ] && cp "$fuzz/seeds/$h"/* "$seeds/$h/" 2> /dev/null || true
done

# ---- run ---------------------------------------------------------------------------------
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
summary=
for h in $harnesses; do
    mkdir -p "$out/corpus/$h"
    log=$out/fuzz_$h.log
    echo "fuzz.sh: fuzz_$h for $seconds s ($(ls "$seeds/$h" | wc -l) seeds, $(ls "$out/corpus/$h" | wc -l) in the corpus)"
    rc=0
    ( cd "$out" && TMPDIR=$out "$out/fuzz_$h" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 \
          -dict="$fuzz/pledge.dict" -print_final_stats=1 -artifact_prefix="$out/findings/$h-" \
          "$out/corpus/$h" "$seeds/$h" ) > "$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ "$rc" -eq 0 ]; then
        line="fuzz_$h: ${execs:-?} executions in $seconds s, no finding"
    else
        status=1
        line="fuzz_$h: FOUND a bug after ${execs:-?} executions (exit $rc): $(ls -t "$out/findings/$h-"* 2> /dev/null | head -n 1)"
        grep -E 'ERROR|SUMMARY|runtime error|internal error|does not load back' "$log" | head -n 5
        tail -n 40 "$log"
    fi
    echo "$line"
    summary="$summary$line
"
done
printf '\n%s' "$summary"
exit $status
