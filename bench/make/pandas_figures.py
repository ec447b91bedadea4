#!/usr/bin/python3
"""bench/make/pandas_figures.py: the pandas peer of `make bench` (bench/make/run.sh).

    python3 bench/make/pandas_figures.py AE.csv LOOKUP.csv

The four figures of bench/make/figures.sql, the same way: each system's
rows summed per month (type 1 apart), then the months of each window added
up; CSV system,item,value with 15 significant digits, empty where the sum of
attendances is zero or missing. Reads only the columns needed, period,
org_code and type as categories.
"""
import sys

import pandas as pd

# item, first and last day, type 1 only (as in figures.sql)
WINDOWS = [
    ("ae_all", "2016-04-01", "2028-03-31", False),
    ("t1_all", "2016-04-01", "2028-03-31", True),
    ("ae_2425", "2024-04-01", "2025-03-31", False),
    ("t1_2425_q4", "2025-01-01", "2025-03-31", True),
]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: pandas_figures.py AE.csv LOOKUP.csv")
    ae = pd.read_csv(sys.argv[1], usecols=["period", "org_code", "type", "attendances", "breaches"],
                     dtype={"period": "category", "org_code": "category", "type": "category",
                            "attendances": "int64", "breaches": "int64"})
    lookup = pd.read_csv(sys.argv[2], usecols=["code", "STP_code"], dtype=str)
    ae["system"] = ae["org_code"].map(lookup.set_index("code")["STP_code"])
    t1 = ae["type"] == "1"
    ae["a1"] = ae["attendances"].where(t1)
    ae["b1"] = ae["breaches"].where(t1)
    m = ae.groupby(["system", "period"], observed=True)[["attendances", "breaches", "a1", "b1"]].sum(min_count=1)
    m = m.reset_index()
    m["period"] = m["period"].astype(str)
    out = ["system,item,value"]
    rows = {}
    for item, lo, hi, type1 in WINDOWS:
        w = m[(m["period"] >= lo) & (m["period"] <= hi)]
        s = w.groupby("system")[["b1", "a1"] if type1 else ["breaches", "attendances"]].sum(min_count=1)
        for system, (b, a) in s.iterrows():
            rows[(system, item)] = "" if pd.isna(a) or a == 0 else f"{1 - b / a:.15g}"
    for system in sorted(lookup["STP_code"].unique()):
        for item in sorted(w[0] for w in WINDOWS):
            out.append(f"{system},{item},{rows.get((system, item), '')}")
    sys.stdout.write("\n".join(out) + "\n")


main()
