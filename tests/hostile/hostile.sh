#!/bin/sh
# hostile.sh: what a case of tests/hostile/*.cases cannot say in one command
# line: where stdout goes, a .plb damaged on purpose, inputs too big to keep
# in the tree. Run by tests/cases.sh from tests/hostile, with PLEDGE,
# PLEDGE_WRAP and TMPDIR (the test's temporary folder) set; it writes nowhere
# else. Its exit status is pledge's, so a case checks it as for pledge.
#
#   hostile.sh full ARGS...        pledge ARGS with stdout on /dev/full
#   hostile.sh controls ARGS...    pledge ARGS; stdout replaced by the number
#                                  of control bytes it held (C0 but LF, and
#                                  DEL), as "control bytes: N"
#   hostile.sh plb HOW ARGS...     base.pledge (or, with src:RULES first in
#                                  HOW, RULES) compiled, damaged as HOW says
#                                  (below), then `pledge ARGS` with @ as its path
#   hostile.sh systems N ARGS...   a feed and a hierarchy of N systems of one
#                                  member each, made in TMPDIR; then pledge
#                                  ARGS with @M and @SYS as their paths
#   hostile.sh plbof RULES ARGS... RULES compiled to TMPDIR, then pledge ARGS
#                                  with @ as the .plb's path
#   hostile.sh archive ARGS...     pledge assess ARGS --archive A in TMPDIR,
#                                  then pledge history --archive A, its
#                                  stdout replaced as for controls
#   hostile.sh sqlite CSV ARGS...  CSV imported as table t of an SQLite
#                                  database in TMPDIR; then pledge ARGS with
#                                  @ as its sqlite:PATH:t
#   hostile.sh manifest RUN -- ARGS...
#                                  pledge assess RUN --manifest M (M in
#                                  TMPDIR), then pledge ARGS with @ as M
#   hostile.sh big N ARGS...       an inputs file of N comment lines of 64
#                                  bytes made in TMPDIR, then a [feeds]
#                                  section binding m and sys by absolute
#                                  paths; then pledge ARGS with @ as its path
#   hostile.sh bigvar N ARGS...    a variations file of N comment lines of
#                                  64 bytes made in TMPDIR; then pledge ARGS
#                                  with @ as its path
#   hostile.sh links ARGS...       sandbox/ copied to TMPDIR with symbolic
#                                  links made in sandbox/inner (below), then
#                                  pledge ARGS run in the copy
#
# The links are made here, not kept in the tree: `make dist` archives with
# tar -h, which would follow them (and loop on link_up).
#
# HOW, for plb: `cut:N` keeps the first N bytes; `byte:OFF:HEX` sets the byte
# at OFF; `resum` after either writes the checksum again (offset 12, SHA-256
# of every byte from 44: docs/bytecode.md), so the reader's later checks and
# the verifier see the damage; `append:N` adds N zero bytes.
set -u
: "${PLEDGE:?}" "${TMPDIR:?}"
PLEDGE_WRAP=${PLEDGE_WRAP:-}

# shellcheck disable=SC2086 # PLEDGE_WRAP is a command and its words
pledge() { $PLEDGE_WRAP "$PLEDGE" "$@"; }

# subst WORD...: the words with @ @M @SYS (alone or after NAME=) replaced by the made files
subst_run() {
    n=$#
    while [ "$n" -gt 0 ]; do
        a=$1
        shift
        case $a in
            @) a=$made ;;
            @M) a=$TMPDIR/many_m.csv ;;
            @SYS) a=$TMPDIR/many_sys.csv ;;
            *=@) a=${a%@}$made ;;
            *=@M) a=${a%@M}$TMPDIR/many_m.csv ;;
            *=@SYS) a=${a%@SYS}$TMPDIR/many_sys.csv ;;
        esac
        set -- "$@" "$a"
        n=$((n - 1))
    done
    pledge "$@"
}

# byte_of HEX: that one byte, written to stdout
byte_of() {
    # shellcheck disable=SC2059 # the format is the byte's octal escape
    printf "\\$(printf '%03o' "0x$1")"
}

# resum FILE: the checksum at 12 written again over bytes 44 to the end
resum() {
    for h in $(tail -c +45 "$1" | sha256sum | cut -c1-64 | sed 's/../& /g'); do byte_of "$h"; done |
        dd of="$1" bs=1 seek=12 conv=notrunc 2> /dev/null
}

case ${1:-} in
full)
    shift
    pledge "$@" > /dev/full
    ;;
controls)
    shift
    pledge "$@" > "$TMPDIR/controls.out"
    st=$?
    n=$(tr -d '\n\040-\176\200-\377' < "$TMPDIR/controls.out" | wc -c)
    echo "control bytes: $((n))"
    exit $st
    ;;
plb)
    how=$2
    shift 2
    made=$TMPDIR/damaged.plb
    src=base.pledge
    case $how in
        src:*) src=${how%%,*} src=${src#src:} how=${how#*,} ;;
    esac
    pledge compile "$src" -o "$made" || exit 99
    for step in $(echo "$how" | tr ',' ' '); do
        case $step in
            cut:*) head -c "${step#cut:}" "$made" > "$made.cut" && mv "$made.cut" "$made" ;;
            byte:*)
                off=${step#byte:}
                val=${off#*:}
                off=${off%%:*}
                byte_of "$val" | dd of="$made" bs=1 seek="$off" conv=notrunc 2> /dev/null ;;
            append:*) head -c "${step#append:}" /dev/zero >> "$made" ;;
            resum) resum "$made" ;;
            *) echo "hostile.sh: unknown damage $step" >&2; exit 99 ;;
        esac
    done
    subst_run "$@"
    ;;
systems)
    count=$2
    shift 2
    made=
    awk -v n="$count" 'BEGIN { print "org,month,num,den"; for (i = 1; i <= n; i++) printf "P%d,2018-04,%d,20\n", i, i % 21 }' \
        > "$TMPDIR/many_m.csv"
    awk -v n="$count" 'BEGIN { print "org,system,system_name"; for (i = 1; i <= n; i++) printf "P%d,S%07d,System %d\n", i, i, i }' \
        > "$TMPDIR/many_sys.csv"
    subst_run "$@"
    ;;
plbof)
    made=$TMPDIR/$(basename "$2" .pledge).plb
    pledge compile "$2" -o "$made" || exit 99
    shift 2
    subst_run "$@"
    ;;
sqlite)
    made=$TMPDIR/sizes.db
    rm -f "$made"
    sqlite3 "$made" ".import --csv $2 t" || exit 99
    made=sqlite:$made:t
    shift 2
    subst_run "$@"
    ;;
manifest)
    shift
    made=$TMPDIR/run.json
    n=0
    for a in "$@"; do [ "$a" = -- ] && break; n=$((n + 1)); done
    run=
    while [ "$n" -gt 0 ]; do run="$run $1"; shift; n=$((n - 1)); done
    shift
    # shellcheck disable=SC2086 # the run's words, split at blanks as the case wrote them
    pledge assess $run --manifest "$made" > /dev/null || exit 99
    subst_run "$@"
    ;;
archive)
    shift
    rm -f "$TMPDIR/hostile.db"
    pledge assess "$@" --archive "$TMPDIR/hostile.db" > /dev/null || exit 99
    pledge history --archive "$TMPDIR/hostile.db" > "$TMPDIR/controls.out"
    st=$?
    n=$(tr -d '\n\040-\176\200-\377' < "$TMPDIR/controls.out" | wc -c)
    echo "control bytes: $((n))"
    grep -c . "$TMPDIR/controls.out" | sed 's/^/lines: /'
    exit $st
    ;;
big)
    made=$TMPDIR/big.inputs
    awk -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "# %061d\n", i }' > "$made"
    printf '[feeds]\nm = %s/m.csv\nsys = %s/sys.csv\n' "$PWD" "$PWD" >> "$made"
    shift 2
    subst_run "$@"
    ;;
bigvar)
    made=$TMPDIR/big.var
    awk -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "// %060d\n", i }' > "$made"
    shift 2
    subst_run "$@"
    ;;
links)
    shift
    rm -rf "$TMPDIR/sandbox"
    cp -R sandbox "$TMPDIR/sandbox" || exit 99
    (
        cd "$TMPDIR/sandbox/inner" || exit 99
        ln -s ../outside.pledge link_out.pledge      # out, by ..
        ln -s .. link_up                             # a folder above
        ln -s ../inner2/x.pledge link_sibling.pledge # a sibling whose name starts with inner
        ln -s /dev/zero link_dev.pledge              # a device
        ln -s /etc/passwd link_abs.pledge            # an absolute path
        ln -s link_loop_b.pledge link_loop_a.pledge  # a loop
        ln -s link_loop_a.pledge link_loop_b.pledge
        ln -s ok.pledge link_in.pledge               # inside: allowed
        ln -s sub link_sub                           # a subfolder inside: allowed
        mkfifo fifo.pledge                           # not a regular file
    ) || exit 99
    cd "$TMPDIR/sandbox" || exit 99
    pledge "$@"
    ;;
*)
    echo "usage: hostile.sh full|controls|plb|systems|plbof|sqlite|manifest|archive|big|bigvar|links ..." >&2
    exit 99
    ;;
esac
