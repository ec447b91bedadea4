#!/bin/sh
# bench/make/sqlite.sh: the sqlite3 peer of `make bench` (bench/make/run.sh).
#
#   sh bench/make/sqlite.sh AE.csv LOOKUP.csv
#
# Imports both files into an in-memory database with the sqlite3 shell's
# .import, then prints the four figures of bench/make/figures.sql as CSV
# (system,item,value).
set -eu
if [ $# -ne 2 ]; then echo "usage: sh sqlite.sh AE.csv LOOKUP.csv" >&2; exit 2; fi
here=$(cd "$(dirname "$0")" && pwd)
case $1$2 in *"
"*) echo "sqlite.sh: a file name holds a newline" >&2; exit 2 ;; esac
# The shell's dot-commands take a double-quoted argument with C-style escapes.
q() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
{
    cat <<SQL
CREATE TABLE ae(period TEXT, org_code TEXT, type TEXT,
                attendances INTEGER, breaches INTEGER, admissions INTEGER);
CREATE TABLE lookup(code TEXT PRIMARY KEY, STP_code TEXT, STP TEXT);
.import --csv --skip 1 $(q "$1") ae
.import --csv --skip 1 $(q "$2") lookup
.headers on
.mode csv
.separator , "\n"
SQL
    cat "$here/figures.sql"
} | "${SQLITE3:-sqlite3}" -bail -batch :memory:
