# tests/cases.sh: the one runner of cases as data, for tests/assess.test and
# tests/hostile.test. A runner sources tests/lib.sh, sets cases_dir (a
# folder of tests/) and sources this file, then calls finish (a runner may
# set cases_glob to run only some files). Each case of
# tests/$cases_dir/*.cases is a command line and what it must do: its exit
# status, its stdout byte for byte (an expected file), a text or a run of
# lines its stdout or stderr holds; what a case does not expect must be
# empty. tests/assess/README.md says how a case is written.
#
# The cases run in tests/$cases_dir, with TMPDIR the test's temporary folder,
# every command under $TIMEOUT when the runner sets one. Every case `pledge
# assess RULES.pledge ... --format csv` runs a second time from RULES
# compiled to a .plb (spec §8: the same results), with the same expectations.

cd "$SRCDIR/tests/$cases_dir" || exit 99
TMPDIR=$tmp
export TMPDIR
want=$tmp/want          # the case's `stdout-has`, `stdout-part`, `stderr-has` and `output-lacks` lines
why=$tmp/why            # what went wrong, with diffs

# new_case NAME: forget the last case's expectations
new_case() {
    case_name=$1 c_needs='' c_run='' c_exit=0 c_stdout='' c_output=
    : > "$want"
}

# run_case: run the case's command (from the .plb $plb, when set, in place
# of its rules), then check it: one pass or one fail
run_case() {
    set -f
    # shellcheck disable=SC2086 # the command line is split at blanks
    set -- $c_run
    set +f
    what=$case_name
    status=
    if [ -n "${1:-}" ]; then
        prog=$1
        shift
        if [ $# -ge 2 ] && [ -n "${plb:-}" ]; then
            sub=$1
            shift 2
            set -- "$sub" "$plb" "$@"
            what="$what (from the .plb)"
        fi
        [ -z "$c_output" ] || set -- "$@" -o "$tmp/output"
        rm -f "$tmp/output"
        if [ "$prog" = pledge ]; then
            pledge "$@" > "$out" 2> "$err" < /dev/null
        else
            # shellcheck disable=SC2086 # TIMEOUT is a command and its words
            $TIMEOUT "$prog" "$@" > "$out" 2> "$err" < /dev/null
        fi
        status=$?
    fi
    : > "$why"
    [ -z "${PLEDGE_REMAKE_EXPECT:-}" ] || remake
    check
    if [ -s "$why" ]; then
        fail "$file: $what"
        cat "$why"
    else
        pass "$file: $what"
    fi
}

# remake: with PLEDGE_REMAKE_EXPECT set, the last run's output becomes the
# case's expected file when it is one of pledge's own (expect/*; never a
# golden_* file, which is computed without pledge). For a change that alters
# every report (a new column): read `git diff` before committing, as
# tests/assess/README.md says.
remake() {
    case $c_stdout in expect/*) [ "$status" = "$c_exit" ] && cp "$out" "$c_stdout" ;; esac
    case $c_output in expect/*) [ "$status" = "$c_exit" ] && cp "$tmp/output" "$c_output" ;; esac
}

# check: the last run against the case's expectations; writes to $why
check() {
    [ -n "$c_run" ] || echo "    no \`run\` line" >> "$why"
    [ "$status" = "$c_exit" ] || echo "    exit status $status, expected $c_exit" >> "$why"
    if [ -n "$c_stdout" ] && ! cmp -s "$c_stdout" "$out"; then
        echo "    stdout is not $c_stdout:" >> "$why"
        diff "$c_stdout" "$out" | sed -e 's/^/    /' -e 20q >> "$why"
    fi
    if [ -n "$c_output" ] && ! cmp -s "$c_output" "$tmp/output"; then
        echo "    the -o file is not $c_output:" >> "$why"
        diff "$c_output" "$tmp/output" | sed -e 's/^/    /' -e 20q >> "$why"
    fi
    while read -r w_key w_value; do
        case $w_key in
            stdout-has) grep -qF -- "$w_value" "$out" || echo "    stdout does not hold \`$w_value\`" >> "$why" ;;
            stderr-has) grep -qF -- "$w_value" "$err" || echo "    stderr does not hold \`$w_value\`" >> "$why" ;;
            output-lacks) ! grep -qF -- "$w_value" "$out" "$err" || echo "    stdout or stderr holds \`$w_value\`" >> "$why" ;;
            stdout-part)
                awk 'NR == FNR { part = part $0 "\n"; next } { all = all $0 "\n" }
                     END { exit !(part != "" && index(all, part)) }' "$w_value" "$out" ||
                    echo "    stdout does not hold the lines of $w_value" >> "$why" ;;
        esac
    done < "$want"
    if [ -z "$c_stdout" ] && ! grep -q '^stdout-' "$want" && [ -s "$out" ]; then
        echo "    stdout is not empty" >> "$why"
    fi
    if ! grep -q '^stderr-' "$want" && [ -s "$err" ]; then
        echo "    stderr is not empty" >> "$why"
    fi
    if [ -s "$why" ]; then
        # what it printed, where no diff has shown it
        if [ -z "$c_stdout" ] && [ -s "$out" ]; then echo "  stdout:"; show "$out"; fi >> "$why"
        if [ -s "$err" ]; then echo "  stderr:"; show "$err"; fi >> "$why"
    fi
}

# end_case: run the case read (if any); a case `pledge assess RULES.pledge
# ... --format csv` again from RULES compiled to a .plb
end_case() {
    [ -n "$case_name" ] || return 0
    if [ -n "$c_needs" ] && ! command -v "$c_needs" > /dev/null 2>&1; then
        echo "$test_name.test: $file: $case_name: no $c_needs installed: not run"
        return 0
    fi
    plb=
    run_case
    set -f
    # shellcheck disable=SC2086
    set -- $c_run
    set +f
    case "${1:-} ${2:-} ${3:-} | $* " in
        "pledge assess "*".pledge | "*" --format csv "*) ;;
        *) return 0 ;;
    esac
    plb=$tmp/$(basename "$3" .pledge).plb
    if [ ! -f "$plb" ] && ! pledge compile "$3" -o "$plb" > "$err" 2>&1 < /dev/null; then
        fail "$file: $case_name: pledge compile $3"
        show "$err"
        return 0
    fi
    run_case
}

# shellcheck disable=SC2086 # cases_glob (a runner may set it) is patterns
for cases in ${cases_glob:-*.cases}; do
    file=tests/$cases_dir/$cases
    case_name=
    # KEY VALUE lines; a line ending in \ goes on on the next
    while IFS= read -r line || [ -n "$line" ]; do
        while case $line in *\\) true ;; *) false ;; esac && IFS= read -r more; do
            line="${line%\\} $more"
        done
        line=${line#"${line%%[![:blank:]]*}"}
        key=${line%%[[:blank:]]*}
        value=${line#"$key"}
        value=${value#"${value%%[![:blank:]]*}"}
        value=${value%"${value##*[![:blank:]]}"}
        case $key in
            ''|'#'*) continue ;;
            case) end_case; new_case "$value"; continue ;;
        esac
        if [ -z "$case_name" ]; then
            fail "$file: \`$key\` before the first \`case\`"
            continue
        fi
        # shellcheck disable=SC2086 # the words of `run`, one blank apart
        case $key in
            needs) c_needs=$value ;;
            run) set -f; set -- $value; set +f; c_run="$*" ;;
            exit) c_exit=$value ;;
            stdout) c_stdout=$value ;;
            output) c_output=$value ;;
            stdout-has|stdout-part|stderr-has|output-lacks) printf '%s %s\n' "$key" "$value" >> "$want" ;;
            *) fail "$file: $case_name: unknown key \`$key\`" ;;
        esac
    done < "$cases"
    end_case
done

