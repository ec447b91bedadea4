#!/usr/bin/env python3
"""make_trust_stp.py: the trust-to-STP hierarchy with the mergers of
2016-2019, trust_stp_2016_2019.csv, derived from the bundled files of this
folder and nothing else.

    python3 examples/data/nhs/make_trust_stp.py [OUT]

OUT is trust_stp_2016_2019.csv next to this script by default; the output
is the same bytes on every run (tests/mergers.test runs it again and
compares). It reads:

  * Trust-STP-lookup.csv: the 137 links of the lookup, each kept as it is
    (code, trust name, STP code and name, byte for byte; the wrong region
    column is left out);
  * etrust_2018-09.csv (ODS, no header; column 1 the code, 2 the name,
    10 the postcode, 11 the open date, 12 the close date): the dates;
  * ae_attendances.csv: the months each organisation reports.

and writes code,Trust,STP_code,STP,valid_from,valid_to (a link holds from
valid_from to valid_to, both days included; empty is open-ended):

  * every link of the lookup, undated, except that a trust of the lookup
    that ODS says opened after the data's first month is linked from its
    open date (R0A, 2017-10-01: before it there was no such trust);
  * each predecessor of MERGERS below, linked to its successor's footprint
    from the data's first month (the first it reports) to the day before
    the merger: its close date in ODS, or where ODS no longer holds it the
    last day of the last month it reports;
  * each trust of CLOSED below (a trust of the lookup that ODS closed within
    the data, its successor also in the lookup), its link of the lookup
    dated to (valid_to) the last day of the last month it reports A&E rows.

A closed trust's link ends on its last reported month, not on its ODS
close date, so that every row it reported counts in its footprint and,
after it, it is no longer a member that never publishes (a window of a
feed with `vintage` is known only when every member has published it,
docs/known.md section 4). The two differ for RR1: ODS closes it on
2018-04-01, the day University Hospitals Birmingham (RRK) took it over
and opened sites at its hospitals, but its A&E rows go on under RR1 to
2018-06 and RRK's attendances rise from 2018-07; a link ending on
2018-04-01 would put RR1's rows of May and June 2018 in no footprint.
For RJF and RGQ the two days are the same, 2018-06-30.

Every merger is checked against the files, and the script stops (exit 1,
saying what failed) unless: the predecessor is not in the lookup and its
successor is; it reports A&E rows in every month from the data's first up
to the merger and none after; where ODS holds it, its close date is the
last day of that month and the successor opened sites the next day at the
predecessor's sites' postcodes; where ODS does not, the successor opened
an A&E site (one named so) on the day of the merger. And no organisation of the A&E data is left
unmapped that has a type 1 department or an ODS close date within the data.

Likewise for CLOSED, unless: ODS names the trust as the table does (and so
does the lookup, letter case aside), its successor is in the lookup and
holds a site that ODS gives no close date at a postcode of the trust or of
one of its sites; the trust reports A&E rows in every month from the
data's first to its last month, which is before the data's last (so none
after valid_to); and its ODS close date falls in that last month or the
two before it, or in the month after it, i.e. from the first day of the
month two months before its last month to the last day of the month
after (RR1's 2018-04-01, for a last month of 2018-06, is the earliest it
allows). And every trust of the lookup that ODS closed within the data is
in CLOSED.
"""

import csv
import datetime
import io
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# (predecessor, its name, successor). Only the codes and the name are
# given here; the dates, the footprint and the checks come from the files.
# RQQ's name is not in the bundled files (the ODS extract of September 2018
# no longer holds it): Hinchingbrooke Health Care NHS Trust, acquired by
# Peterborough and Stamford Hospitals NHS FT (RGN, renamed North West Anglia
# NHS FT) on 1 April 2017. The evidence in the files is the months RQQ
# reports and RGN's sites at Hinchingbrooke Hospital opening that day.
MERGERS = [
    ("RM2", "University Hospital of South Manchester NHS Foundation Trust", "R0A"),
    ("RW3", "Central Manchester University Hospitals NHS Foundation Trust", "R0A"),
    ("RQQ", "Hinchingbrooke Health Care NHS Trust", "RGN"),
]

# (trust of the lookup that closed within the data, its name, successor).
# The successor's footprint does not matter: the trust's own link is dated,
# and from then on its hospitals' rows are the successor's, counted in the
# successor's footprint (RJF's in Derbyshire, E54000012, with RTG).
#   RJF: Burton Hospitals NHS FT -> RTG, University Hospitals of Derby and
#        Burton NHS FT (until then Derby Teaching Hospitals), 2018-07-01;
#   RR1: Heart of England NHS FT -> RRK, University Hospitals Birmingham
#        NHS FT, acquired 2018-04-01 (reports as RR1 to 2018-06);
#   RGQ: Ipswich Hospital NHS Trust -> RDE, East Suffolk and North Essex
#        NHS FT (until then Colchester Hospital University NHS FT), with
#        Colchester, 2018-07-01.
CLOSED = [
    ("RJF", "Burton Hospitals NHS Foundation Trust", "RTG"),
    ("RR1", "Heart of England NHS Foundation Trust", "RRK"),
    ("RGQ", "Ipswich Hospital NHS Trust", "RDE"),
]


def die(msg):
    sys.stderr.write("make_trust_stp.py: " + msg + "\n")
    sys.exit(1)


def day(yyyymmdd):
    return datetime.date(int(yyyymmdd[0:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))


def month_of(iso):
    """2016-04-01 -> (2016, 4)"""
    return (int(iso[0:4]), int(iso[5:7]))


def next_month(ym):
    y, m = ym
    return (y + 1, 1) if m == 12 else (y, m + 1)


def last_day(ym):
    y, m = next_month(ym)
    return datetime.date(y, m, 1) - datetime.timedelta(days=1)


def read_csv(name, encoding="utf-8-sig", header=True):
    with open(os.path.join(HERE, name), encoding=encoding, newline="") as f:
        return list(csv.DictReader(f) if header else csv.reader(f))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "trust_stp_2016_2019.csv")
    lookup = read_csv("Trust-STP-lookup.csv")
    linked = {r["code"]: r for r in lookup}
    if len(linked) != len(lookup):
        die("a code is twice in Trust-STP-lookup.csv")

    months = {}                     # org -> set of (year, month)
    type1 = set()
    for r in read_csv("ae_attendances.csv"):
        months.setdefault(r["org_code"], set()).add(month_of(r["period"]))
        if r["type"] == "1":
            type1.add(r["org_code"])
    first = min(m for ms in months.values() for m in ms)
    last = max(m for ms in months.values() for m in ms)
    first_day = datetime.date(first[0], first[1], 1)

    trusts, sites = {}, {}          # code -> ODS row; trust code -> its sites' rows
    for row in read_csv("etrust_2018-09.csv", encoding="utf-8", header=False):
        if len(row) != 27:
            die("etrust_2018-09.csv: a row of %d columns, not 27" % len(row))
        if len(row[0]) == 3:
            trusts[row[0]] = row
        else:
            sites.setdefault(row[0][:3], []).append(row)

    # the lookup's trusts that ODS closed within the data: their links' ends
    ends = {}
    closed = {c for c in linked if c in trusts and trusts[c][11]
              and first_day <= day(trusts[c][11]) <= last_day(last)}
    for code, name, succ in CLOSED:
        if code not in linked:
            die("%s is not in the lookup" % code)
        o = trusts.get(code)
        if not o:
            die("%s is not in ODS" % code)
        if o[1].lower() != name.lower() or linked[code]["Trust"].lower() != name.lower():
            die("ODS names %s %r and the lookup %r, not %r" % (code, o[1], linked[code]["Trust"], name))
        if code not in closed:
            die("ODS does not close %s within the data" % code)
        if succ not in linked:
            die("%s's successor %s is not in the lookup" % (code, succ))
        postcodes = {s[9] for s in sites.get(code, []) + [o]}
        if not [s for s in sites.get(succ, []) if not s[11] and s[9] in postcodes]:
            die("%s has no open site at %s's postcodes" % (succ, code))
        ms = sorted(months.get(code, ()))
        if not ms:
            die("%s reports no A&E rows" % code)
        want, m = [], first
        while m <= ms[-1]:
            want.append(m)
            m = next_month(m)
        if ms != want:
            die("%s does not report every month from %d-%02d to its last" % (code, *first))
        if ms[-1] == last:
            die("%s reports to the data's last month, %d-%02d" % (code, *last))
        to = last_day(ms[-1])
        shut = day(o[11])
        earliest = ms[-1]
        for _ in range(2):
            earliest = (earliest[0] - 1, 12) if earliest[1] == 1 else (earliest[0], earliest[1] - 1)
        if not datetime.date(earliest[0], earliest[1], 1) <= shut <= last_day(next_month(ms[-1])):
            die("ODS closes %s on %s, not from %d-%02d-01 to %s (its last month %d-%02d, the two before or the one after)"
                % (code, shut, *earliest, last_day(next_month(ms[-1])), *ms[-1]))
        ends[code] = to.isoformat()
    for code in sorted(closed - set(ends)):
        die("ODS closes %s of the lookup on %s and it is not in CLOSED" % (code, day(trusts[code][11])))

    links = []                      # (code, trust, STP_code, STP, from, to)
    for r in lookup:
        frm = ""
        o = trusts.get(r["code"])
        if o and o[10] and day(o[10]) > first_day:
            opened = day(o[10])
            early = sorted(m for m in months.get(r["code"], ()) if datetime.date(m[0], m[1], 1) < opened)
            if early:
                die("%s reports %d-%02d, before it opened on %s" % (r["code"], *early[0], opened))
            frm = opened.isoformat()
        links.append((r["code"], r["Trust"], r["STP_code"], r["STP"], frm, ends.get(r["code"], "")))

    mapped = set(linked)
    for pred, name, succ in MERGERS:
        if pred in linked:
            die("%s is already in the lookup" % pred)
        if succ not in linked:
            die("%s's successor %s is not in the lookup" % (pred, succ))
        ms = sorted(months.get(pred, ()))
        if not ms:
            die("%s reports no A&E rows" % pred)
        o = trusts.get(pred)
        if o:
            if o[1].lower() != name.lower():
                die("ODS names %s %r, not %r" % (pred, o[1], name))
            if not o[11]:
                die("ODS gives %s no close date" % pred)
            to = day(o[11])
            merged = to + datetime.timedelta(days=1)
            postcodes = {s[9] for s in sites.get(pred, []) + [o]}
            taken = [s for s in sites.get(succ, []) if s[10] and day(s[10]) == merged and s[9] in postcodes]
            if not taken:
                die("%s opened no site at %s's postcodes on %s" % (succ, pred, merged))
        else:
            to = last_day(ms[-1])
            merged = to + datetime.timedelta(days=1)
            # its A&E department: a site the successor opened that day named as one
            taken = [s for s in sites.get(succ, []) if s[10] and day(s[10]) == merged
                     and any(w in s[1] for w in ("A&E", "A & E", "ACCIDENT AND EMERGENCY", "EMERGENCY DEPARTMENT"))]
            if not taken:
                die("%s is not in ODS, and %s opened no A&E site on %s" % (pred, succ, merged))
        if last_day(ms[-1]) != to:
            die("%s's last month is %d-%02d, but it closed on %s" % (pred, *ms[-1], to))
        want, m = [], first
        while m <= ms[-1]:
            want.append(m)
            m = next_month(m)
        if ms != want:
            die("%s does not report every month from %d-%02d to its close" % (pred, *first))
        s = linked[succ]
        links.append((pred, name, s["STP_code"], s["STP"], first_day.isoformat(), to.isoformat()))
        mapped.add(pred)

    # nothing left out that the files say should be in
    for org in sorted(months):
        if org in mapped:
            continue
        if org in type1:
            die("%s has a type 1 department and no footprint" % org)
        o = trusts.get(org)
        if o and o[11] and first_day <= day(o[11]) <= last_day(last):
            die("%s closed on %s and is not a predecessor in MERGERS" % (org, day(o[11])))

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(("code", "Trust", "STP_code", "STP", "valid_from", "valid_to"))
    w.writerows(links)
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


if __name__ == "__main__":
    main()
