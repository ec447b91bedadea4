#!/bin/sh
# fifo_feed.sh: `pledge assess --format json` with the feed m read from a
# FIFO that cat writes rules_basic_m.csv into (rules_basic.cases). The
# inputs' SHA-256 are taken on a thread while the feeds load; a FIFO is not
# a file to hash, so it must not be opened for that (its writer could then
# go on before the loader opens it, and die of SIGPIPE): the run must load
# it whole and report its sha256 as null. Runs in tests/assess, with TMPDIR
# the test's own folder and PLEDGE the pledge under test.
fifo=$TMPDIR/fifo_feed.$$
rm -f "$fifo"
mkfifo "$fifo" || exit 99
cat rules_basic_m.csv > "$fifo" &
writer=$!
# shellcheck disable=SC2086 # PLEDGE_WRAP is a command and its words
${PLEDGE_WRAP:-} "$PLEDGE" assess rules_basic.pledge --as-of 2019-06-30 --format json \
    --feed m="$fifo" --feed sys=rules_basic_sys.csv
status=$?
kill "$writer" 2> /dev/null     # if pledge never opened the FIFO, cat still waits
wait "$writer" 2> /dev/null
rm -f "$fifo"
exit "$status"
