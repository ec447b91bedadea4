"""spc_match.py REPORT.json: spc.pledge's report, the C charts against std.spc.

For each footprint, the `spc` of `four_hours` and `breaches` (engine/spc.c)
must equal, as the JSON writes the numbers (exact text, not floats), the
values of the commitments std_* (std.spc's own centre and limits), and
their verdicts the checks that passed (std.spc's verdicts). Prints one line
per footprint that differs, then how many were compared.
"""
import json
import sys

report = json.load(open(sys.argv[1]), parse_float=str)
by_system = {}
for res in report["results"]:
    by_system.setdefault(res["system"], {})[res["item"]] = res

def verdict(checks, first, second, neither):
    got = [name for name, label in ((first[0], first[1]), (second[0], second[1])) if checks[name]["status"] == "pass"]
    return {first[0]: first[1], second[0]: second[1]}[got[0]] if len(got) == 1 else neither if not got else "both?"

bad = compared = 0
for system, r in sorted(by_system.items()):
    if system is None:
        continue
    for item, prefix in (("four_hours", ""), ("breaches", "b_")):
        spc = r[item]["spc"]
        want = {
            "lower": r["std_" + prefix + "lower"]["value"],
            "upper": r["std_" + prefix + "upper"]["value"],
            "variation": verdict(r, (prefix + "improving", "improving"), (prefix + "concerning", "concerning"),
                                 "common cause"),
            "assurance": verdict(r, (prefix + "meets", "consistently meets"), (prefix + "fails", "consistently fails"),
                                 "hit and miss"),
        }
        if not prefix:
            want["centre"] = r["std_centre"]["value"]
        got = {k: spc.get(k) for k in want} if spc else None
        compared += 1
        if got != want:
            bad += 1
            print(f"{system} {item}: the report's chart {got}, std.spc {want}")
print(f"{compared} charts compared, {bad} differ")
sys.exit(1 if bad else 0)
