#!/usr/bin/python3
"""pandas_rollup.py: the pandas side of the feed benchmark (run.sh).

    python3 bench/feeds/pandas_rollup.py AE.csv LOOKUP.csv

Each system's four-hour performance per financial year (April to March),
1 - sum(breaches) / sum(attendances), as CSV `system,fy,performance` with
15 significant digits, ordered by system and year.
"""
import sys

import pandas as pd


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: pandas_rollup.py AE.csv LOOKUP.csv")
    ae = pd.read_csv(sys.argv[1], usecols=["period", "org_code", "attendances", "breaches"],
                     dtype={"period": "category", "org_code": "category",
                            "attendances": "int64", "breaches": "int64"})
    lookup = pd.read_csv(sys.argv[2], usecols=["code", "STP_code"], dtype=str)
    # a month's financial year: periods are few, so work on the categories
    months = pd.to_datetime(ae["period"].cat.categories, format="%Y-%m-%d")
    fy_of = pd.Series(months.year - (months.month < 4), index=ae["period"].cat.categories)
    ae["fy"] = ae["period"].map(fy_of).astype("int64")
    ae["system"] = ae["org_code"].map(lookup.set_index("code")["STP_code"])
    sums = ae.groupby(["system", "fy"], observed=True)[["breaches", "attendances"]].sum()
    sums = sums[sums["attendances"] != 0].sort_index()
    out = ["system,fy,performance"]
    for (system, fy), row in sums.iterrows():
        perf = 1 - row["breaches"] / row["attendances"]
        out.append(f"{system},{fy}/{(fy + 1) % 100:02d},{perf:.15g}")
    sys.stdout.write("\n".join(out) + "\n")


main()
