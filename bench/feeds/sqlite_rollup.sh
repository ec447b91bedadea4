#!/bin/sh
# sqlite_rollup.sh: the sqlite3 side of the feed benchmark (run.sh).
#
#   sh bench/feeds/sqlite_rollup.sh AE.csv LOOKUP.csv
#
# Imports both files into an in-memory database with the sqlite3 shell's
# .import, then prints each system's four-hour performance per financial
# year (April to March), 1 - sum(breaches) / sum(attendances), as CSV
# `system,fy,performance` with 15 significant digits, ordered by system
# and year.
set -eu
if [ $# -ne 2 ]; then echo "usage: sh sqlite_rollup.sh AE.csv LOOKUP.csv" >&2; exit 2; fi
case $1$2 in *"
"*) echo "sqlite_rollup.sh: a file name holds a newline" >&2; exit 2 ;; esac
# The shell's dot-commands take a double-quoted argument with C-style escapes.
q() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
sqlite3 -bail -batch :memory: <<SQL
CREATE TABLE ae(period TEXT, org_code TEXT, type TEXT,
                attendances INTEGER, breaches INTEGER, admissions INTEGER);
CREATE TABLE lookup(code TEXT PRIMARY KEY, STP_code TEXT, STP TEXT);
.import --csv --skip 1 $(q "$1") ae
.import --csv --skip 1 $(q "$2") lookup
.headers on
.mode csv
.separator , "\n"
SELECT system, printf('%d/%02d', fy, (fy + 1) % 100) AS fy,
       printf('%.15g', 1.0 - CAST(breaches AS REAL) / attendances) AS performance
FROM (SELECT l.STP_code AS system,
             CAST(substr(ae.period, 1, 4) AS INTEGER)
               - (CAST(substr(ae.period, 6, 2) AS INTEGER) < 4) AS fy,
             sum(ae.breaches) AS breaches, sum(ae.attendances) AS attendances
      FROM ae JOIN lookup l ON l.code = ae.org_code
      GROUP BY 1, 2)
WHERE attendances <> 0
ORDER BY system, fy;
SQL
