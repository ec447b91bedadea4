#!/usr/bin/env python3
"""make_made_up.py: writes the MADE-UP (illustrative) data of this folder.

Nothing written here is NHS data. The plans and bed numbers are invented so
that the worked examples have every feed their rounds declare; which systems
pass or fail a check was chosen by this script, arbitrarily, and says nothing
about the real systems of those names.

Run it with python3 (standard library only); it writes into OUTDIR, by
default the folder it is in:

    python3 examples/data/illustrative/make_made_up.py [OUTDIR]

It reads two real files only to make the invented numbers plausible in size
and to choose who passes and who fails (../nhs/Trust-STP-lookup.csv: which
trusts make up each STP; ../nhs/ae_attendances.csv: the real four-hour
performance of 2017/18 and 2018/19, from which the made-up plans start), and
writes the same bytes every time:

    ltp2019_beds_made_up.csv          beds by trust and quarter, 2014/15-2018/19
    ltp2019_plans_made_up.csv         44 systems' five-year plans, with revisions
    selfassess_E54000027_draft1_made_up.csv   one system's first draft
    selfassess_E54000027_draft2_made_up.csv   its second draft (as submitted)
"""

import csv
import os
import sys
import zlib
from fractions import Fraction

MARK = "MADE UP"
HERE = os.path.dirname(os.path.abspath(__file__))
NHS = os.path.join(HERE, "..", "nhs")

# ---- who does what in the story (arbitrary choices) -------------------------
LATE = {"E54000013": "2019-10-11", "E54000044": "2019-10-11"}  # drafts after the due date
DUE = "2019-09-27"      # plans_due: the drafts
AGREED = "2019-11-15"   # agreed: the revisions
UNBALANCED = ["E54000011", "E54000013", "E54000017", "E54000031", "E54000037"]
BEDS_CUT = ["E54000008", "E54000022", "E54000033", "E54000042"]
AE_LEAP = ["E54000010", "E54000025", "E54000046"]
FIXED = {"E54000017", "E54000031", "E54000037", "E54000022", "E54000042", "E54000025"}
SELF = "E54000027"      # the system of examples/selfassess
YEARS = ["2019/20", "2020/21", "2021/22", "2022/23", "2023/24"]


def unit(text):
    """A number in [0, 1) from a text, the same on every machine."""
    return (zlib.crc32(text.encode()) % 10007) / 10007


def read_lookup():
    members = {}
    with open(f"{NHS}/Trust-STP-lookup.csv", encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            members.setdefault(r["STP_code"].strip(), []).append(r["code"].strip())
    return members


def fy_of(period):
    y, m = int(period[:4]), int(period[5:7])
    return y if m >= 4 else y - 1


def read_ae(members):
    trust_stp = {t: s for s, ts in members.items() for t in ts}
    att, br = {}, {}
    type1 = {}
    with open(f"{NHS}/ae_attendances.csv", encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            org = r["org_code"].strip()
            fy = fy_of(r["period"])
            if r["type"] == "1" and fy == 2016:
                type1[org] = type1.get(org, 0) + int(r["attendances"])
            s = trust_stp.get(org)
            if s is None:
                continue
            att[s, fy] = att.get((s, fy), 0) + int(r["attendances"])
            br[s, fy] = br.get((s, fy), 0) + int(r["breaches"])
    perf = {k: 1 - Fraction(br[k], att[k]) for k in att}
    return perf, type1


def percentile(values, p):
    """As Pledge's percentile: linear between the ranks around p*(n-1)."""
    v = sorted(values)
    r = p * (len(v) - 1)
    i = int(r)
    if i + 1 >= len(v):
        return v[-1]
    return v[i] + (r - i) * (v[i + 1] - v[i])


def quarters():
    for y in range(2014, 2019):
        for q in range(1, 5):
            yield y, q, f"{y}/{(y + 1) % 100:02d} Q{q}"


def main():
    os.chdir(sys.argv[1] if len(sys.argv) > 1 else HERE)
    members = read_lookup()
    systems = sorted(members)
    perf, type1 = read_ae(members)

    # ---- beds, by trust and quarter ------------------------------------------
    season = {1: Fraction(100), 2: Fraction(99), 3: Fraction(101), 4: Fraction(102)}
    beds = {}
    rows = []
    for s in systems:
        for t in sorted(members[s]):
            base = max(120, round(type1.get(t, 40000) / 125))
            g = Fraction(round(-8000 + 11000 * unit("g" + t)), 100000)  # -8% .. +3% over the years
            for i, (y, q, name) in enumerate(quarters()):
                n = round(base * (1 + g * i / 19) * season[q] / 100)
                beds[t, y, q] = n
                rows.append((t, name, n))
    with open("ltp2019_beds_made_up.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["illustrative", "org_code", "quarter", "available"])
        for t, name, n in rows:
            w.writerow([MARK, t, name, n])

    def beds_open(s, y):
        v = [beds[t, y, q] for t in members[s] for q in range(1, 5)]
        return Fraction(sum(v), len(v))

    change = {s: beds_open(s, 2018) / beds_open(s, 2014) - 1 for s in systems}
    p10 = percentile(change.values(), Fraction(1, 10))
    step = {s: perf[s, 2018] - perf[s, 2017] for s in systems}
    p90 = percentile(step.values(), Fraction(9, 10))

    # ---- plans -----------------------------------------------------------------
    def plan(s, draft):
        u = unit("p" + s)
        last = beds_open(s, 2018) * len(members[s])        # the system's beds in 2018/19
        if s in BEDS_CUT and (draft or s not in FIXED):
            cut = p10 - Fraction(4, 100) - Fraction(round(3 * u * 100), 10000)
        else:
            cut = max(p10 + Fraction(15, 1000), Fraction(-3, 100)) + Fraction(round(5 * u * 100), 10000)
        a = perf[s, 2018]
        if s in AE_LEAP and (draft or s not in FIXED):
            first = a + p90 + Fraction(3, 100)
        else:
            first = a + max(Fraction(0), p90 - Fraction(15, 1000)) * Fraction(round(u * 100), 100)
        first = Fraction(round(first * 1000), 1000)
        end = max(first, Fraction(92, 100))
        k = 1 + round(4 * unit("k" + s))                        # £m, by size
        if s in UNBALANCED and (draft or s not in FIXED):
            surplus = [-12 * k, -9 * k, -7 * k, -4 * k, -1 * k]  # sums to -33k
        else:
            surplus = [-5 * k, -3 * k, 0, 3 * k, 6 * k]          # sums to +1k: backloaded
        out = []
        for i, y in enumerate(YEARS):
            out.append((y, round(last * (1 + cut * i / 4)), Fraction(round((first + (end - first) * i / 4) * 1000), 1000),
                        surplus[i] * 1000000))
        return out

    def pct(x):
        return f"{float(x):.3f}"

    header = ["illustrative", "system", "year", "submitted_on", "beds", "ae_4hr", "surplus"]
    with open("ltp2019_plans_made_up.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for s in systems:
            for y, b, ae, sur in plan(s, True):
                w.writerow([MARK, s, y, LATE.get(s, DUE), b, pct(ae), sur])
        for s in systems:
            if s in FIXED:
                for y, b, ae, sur in plan(s, False):
                    w.writerow([MARK, s, y, AGREED, b, pct(ae), sur])

    # ---- one system's drafts, for examples/selfassess ---------------------------
    final = plan(SELF, True)                                    # draft 2 is what it submitted
    last = beds_open(SELF, 2018) * len(members[SELF])
    cut = p10 - Fraction(5, 100)                                # 5pp past the realism bound
    draft1 = [(y, round(last * (1 + cut * i / 4)), ae, sur - 4000000) for i, (y, b, ae, sur) in enumerate(final)]
    for name, rows_, date in (("draft1", draft1, "2019-09-13"), ("draft2", final, "2019-09-20")):
        with open(f"selfassess_{SELF}_{name}_made_up.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            for y, b, ae, sur in rows_:
                w.writerow([MARK, SELF, y, date, b, pct(ae), sur])

    # what the story needs to hold, checked here rather than hoped for
    assert SELF not in UNBALANCED + BEDS_CUT + AE_LEAP + list(LATE)
    draft_total = sum(sum(r[3] for r in plan(s, True)) for s in systems if s not in LATE)
    final_total = sum(sum(r[3] for r in plan(s, s not in FIXED)) for s in systems)
    assert draft_total < 0 <= final_total, (draft_total, final_total)
    print(f"p10 bed change {float(p10):.4f}, p90 A&E step {float(p90):.4f}, "
          f"national surplus: drafts on {DUE} {draft_total}, agreed {final_total}")


if __name__ == "__main__":
    main()
