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
    ltp2019_submissions_made_up.csv   draft and final plan returns (ltp2019_full)
    ltp2019_national_plan_made_up.csv the national plan's day
    ltp2019_la_stp_made_up.csv        invented local authorities in each STP
    ltp2019_population_made_up.csv    their residents, 2015/16-2019/20
    ltp2019_ph_grant_made_up.csv      their public health grant, 2019/20 pounds
    ltp2019_ae_quintile_made_up.csv   A&E by deprivation quintile (not read yet)
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


# ---- ltp2019_full.pledge: what the other constructs of the round read ------
LATE_FINAL = {"E54000044": "2019-11-22"}        # final plans after agreed: the rest on the day
NATIONAL_PLAN = "2020-01-16"                     # the national plan: after the end of the year
PH_DEEP = ["E54000019", "E54000029", "E54000036"]  # authorities cut deepest in public health grant
PH_YEARS = [2015, 2016, 2017, 2018, 2019]


def fy_name(y):
    return f"{y}/{(y + 1) % 100:02d}"


def ae_95_by(s):
    """The year a system's plan says it will be back to 95%: 2024/25 .. 2028/29."""
    return fy_name(2024 + int(5 * unit("n" + s)))


def write_csv(name, header, rows):
    with open(name, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["illustrative"] + header)
        for r in rows:
            w.writerow([MARK] + list(r))


def full_round(members, systems):
    # the returns: a draft and a final plan from each system, with the day each arrived
    subs = [(s, LATE.get(s, DUE), "draft", LATE.get(s, DUE)) for s in systems]
    subs += [(s, LATE_FINAL.get(s, AGREED), "final", LATE_FINAL.get(s, AGREED)) for s in systems]
    write_csv("ltp2019_submissions_made_up.csv", ["system", "day", "kind", "submitted_on"], subs)
    write_csv("ltp2019_national_plan_made_up.csv", ["body", "day", "published_on"],
              [("E92000001", NATIONAL_PLAN, NATIONAL_PLAN)])

    # local authorities: 2 to 4 per system, codes and names invented
    las = []
    for s in systems:
        for i in range(2 + int(3 * unit("a" + s))):
            las.append((f"LA{s[-2:]}{i + 1}", f"Made-up authority {s[-2:]}-{i + 1}", s))
    write_csv("ltp2019_la_stp_made_up.csv", ["la_code", "la_name", "stp_code"], las)

    # residents (as if from a projection published 2018-05-24), growing 0.6% a year
    pop = {}
    for la, _, _ in las:
        base = 10 * round((150000 + 450000 * unit("r" + la)) / 10)
        for i, y in enumerate(PH_YEARS):
            pop[la, y] = round(base * (1 + Fraction(6, 1000)) ** i)
    write_csv("ltp2019_population_made_up.csv", ["la_code", "year", "published_on", "people"],
              [(la, fy_name(y), "2018-05-24", pop[la, y]) for la, _, _ in las for y in PH_YEARS])

    # public health grant in 2019/20 pounds: per head £50 to £90 in 2015/16, cut by
    # 17% to 24% by 2019/20 (PH_DEEP's authorities 33% to 36%); then every 2019/20
    # grant is scaled so that England's grant per head falls by 23% exactly (to the
    # pound's rounding); the years between move evenly
    head15 = {la: 50 + Fraction(round(40 * unit("h" + la) * 100), 100) for la, _, _ in las}
    cut = {la: (Fraction(33, 100) if s in PH_DEEP else Fraction(17, 100)) + Fraction(round(7 * unit("c" + la) * 100), 10000)
           for la, _, s in las}
    g15 = {la: head15[la] * pop[la, 2015] for la in head15}
    g19 = {la: head15[la] * (1 - cut[la]) * pop[la, 2019] for la in head15}
    want = Fraction(77, 100) * sum(g15.values()) / sum(pop[la, 2015] for la in g15) * sum(pop[la, 2019] for la in g15)
    k = want / sum(g19.values())
    grant = {}
    for la in head15:
        h15, h19 = g15[la] / pop[la, 2015], k * g19[la] / pop[la, 2019]
        for i, y in enumerate(PH_YEARS):
            grant[la, y] = round((h15 + (h19 - h15) * i / 4) * pop[la, y])
    write_csv("ltp2019_ph_grant_made_up.csv", ["la_code", "year", "published_on", "grant"],
              [(la, fy_name(y), f"{y}-02-07", grant[la, y]) for la, _, _ in las for y in PH_YEARS])
    eng = [Fraction(sum(grant[la, y] for la in head15), sum(pop[la, y] for la in head15)) for y in (2015, 2019)]
    assert abs(eng[1] / eng[0] - Fraction(77, 100)) < Fraction(1, 100000), float(eng[1] / eng[0])

    # A&E by deprivation quintile of the patient's home (1 most deprived), per
    # provider and month, January to March 2019: each trust's real attendances and
    # breaches split by invented shares, breaches more often for the more deprived
    trust_stp = {t: s for s, ts in members.items() for t in ts}
    att, br = {}, {}
    with open(f"{NHS}/ae_attendances.csv", encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            org, m = r["org_code"].strip(), r["period"][:7]
            if org in trust_stp and "2019-01" <= m <= "2019-03":
                att[org, m] = att.get((org, m), 0) + int(r["attendances"])
                br[org, m] = br.get((org, m), 0) + int(r["breaches"])
    rows = []
    for org, m in sorted(att):
        share = [Fraction(26 - 3 * q, 100) + Fraction(round(4 * unit(f"q{q}{org}") * 100) - 200, 10000) for q in range(5)]
        share[4] = 1 - sum(share[:4])
        weight = [Fraction(125 - 10 * q, 100) for q in range(5)]     # 1.25 .. 0.85
        a = [round(att[org, m] * x) for x in share]
        a[4] = att[org, m] - sum(a[:4])
        rate = Fraction(br[org, m], sum(w * n for w, n in zip(weight, a)) or 1)
        b = [min(n, round(rate * w * n)) for w, n in zip(weight, a)]
        for q in range(5):
            rows.append((org, f"{m}-01", str(q + 1), a[q], b[q]))
    write_csv("ltp2019_ae_quintile_made_up.csv", ["org_code", "period", "quintile", "attendances", "breaches"], rows)


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
        w.writerow(header + ["ae_95_by"])       # ae_95_by: ltp2019_full.pledge's local timing
        for s in systems:
            for y, b, ae, sur in plan(s, True):
                w.writerow([MARK, s, y, LATE.get(s, DUE), b, pct(ae), sur, ae_95_by(s)])
        for s in systems:
            if s in FIXED:
                for y, b, ae, sur in plan(s, False):
                    w.writerow([MARK, s, y, AGREED, b, pct(ae), sur, ae_95_by(s)])

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

    full_round(members, systems)

    # what the story needs to hold, checked here rather than hoped for
    assert SELF not in UNBALANCED + BEDS_CUT + AE_LEAP + list(LATE)
    draft_total = sum(sum(r[3] for r in plan(s, True)) for s in systems if s not in LATE)
    final_total = sum(sum(r[3] for r in plan(s, s not in FIXED)) for s in systems)
    assert draft_total < 0 <= final_total, (draft_total, final_total)
    print(f"p10 bed change {float(p10):.4f}, p90 A&E step {float(p90):.4f}, "
          f"national surplus: drafts on {DUE} {draft_total}, agreed {final_total}")


if __name__ == "__main__":
    main()
