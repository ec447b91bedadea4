# tests/lib.sh: what every test runner (tests/*.test, tests/lang/*.test)
# shares. POSIX sh. A runner finds the source tree, then sources this file:
#
#     SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)} || exit 99
#     . "$SRCDIR/tests/lib.sh"
#
# (`/../..` from tests/lang/). Set needs_pledge=no before sourcing for a
# runner that also has work to do when pledge is not built.
#
# Environment (set by `make check`): PLEDGE, the pledge binary (default
# SRCDIR/pledge); SRCDIR, the absolute source directory; PLEDGE_WRAP, an
# optional command prefix such as valgrind.
#
# It sets LC_ALL=C, makes PLEDGE absolute, skips the runner (exit 77) when
# pledge is not built, and makes a temporary folder $tmp, removed on exit
# (a runner writes nowhere else: the source tree may be read-only). Then:
#
#   skip_all WHY       say why and exit 77 (the runner is skipped)
#   on_exit            called on exit before $tmp goes; a runner may redefine it
#   pledge ARGS...     pledge ARGS under $TIMEOUT (a prefix such as
#                      `timeout 60`, empty unless the runner sets it) and
#                      PLEDGE_WRAP, output as it comes
#   run ARGS...        the same with stdout in $out, stderr in $err, the
#                      exit status in $status and `pledge ARGS` in $cmd
#   pass [WHAT]        count a check passed (and print `ok: WHAT`)
#   fail WHAT          count a check failed and print `FAIL: WHAT`
#   show FILE          print FILE's first 40 lines, indented (nothing if empty)
#   show_run           show the last run's stdout and stderr, each named
#   is WHAT GOT WANT   pass when the texts GOT and WANT are equal
#   has WHAT FILE LINE...  pass for each LINE that FILE holds, whole
#   finish             print `N passed, N failed` (CI counts this line) and
#                      exit 0, or 1 when a check failed

LC_ALL=C
export LC_ALL
export SRCDIR
test_name=$(basename "$0" .test)

skip_all() {
    echo "$test_name.test: $*; skipping"
    exit 77
}

PLEDGE=${PLEDGE:-$SRCDIR/pledge}
case $PLEDGE in /*) ;; *) PLEDGE=$(pwd)/$PLEDGE ;; esac
PLEDGE_WRAP=${PLEDGE_WRAP:-}
TIMEOUT=
if [ "${needs_pledge:-yes}" != no ] && [ ! -x "$PLEDGE" ]; then
    skip_all "$PLEDGE is not built"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pledge-$test_name.XXXXXX") || exit 99
on_exit() { :; }
trap 'on_exit; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP PIPE

passed=0
failed=0
out=$tmp/stdout
err=$tmp/stderr

# shellcheck disable=SC2086 # TIMEOUT and PLEDGE_WRAP are commands and their words
pledge() {
    $TIMEOUT $PLEDGE_WRAP "$PLEDGE" "$@"
}

# shellcheck disable=SC2034 # cmd and status are for the runner
run() {
    cmd="pledge $*"
    pledge "$@" > "$out" 2> "$err"
    status=$?
}

pass() {
    passed=$((passed + 1))
    [ $# -eq 0 ] || echo "ok: $*"
}

fail() {
    failed=$((failed + 1))
    echo "FAIL: $*"
}

show() {
    [ -s "$1" ] && sed -e 's/^/    | /' -e 40q "$1"
    return 0
}

show_run() {
    for s in stdout stderr; do
        if [ -s "$tmp/$s" ]; then
            echo "  $s:"
            show "$tmp/$s"
        fi
    done
}

is() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', expected '$3'"; fi
}

has() {
    has_what=$1
    has_file=$2
    shift 2
    for has_line in "$@"; do
        if grep -qxF -- "$has_line" "$has_file"; then
            pass "$has_what: $has_line"
        else
            fail "$has_what: no line '$has_line'"
            show "$has_file"
        fi
    done
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] || exit 1
    exit 0
}
