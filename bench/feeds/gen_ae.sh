#!/bin/sh
# bench/feeds/gen_ae.sh ROWS PROVIDERS SYSTEMS OUTDIR [MONTHS]
# Writes OUTDIR/ae.csv, an A&E-shaped feed (period, org_code, type,
# attendances, breaches, admissions), and OUTDIR/lookup.csv mapping the
# providers to systems, with made-up but plausible figures. Deterministic.
# Months run from 2016-04. Without MONTHS, each month has a row for every
# provider and type (1, 2, other) until ROWS are written. With MONTHS, the
# ROWS are spread evenly over exactly that many months (`make bench`): the
# rows go round the providers and types without restarting each month, so
# a month holds several rows of a provider and type (several sites) when
# ROWS exceed MONTHS × PROVIDERS × 3, and fewer providers when they fall
# short, a different run of them each month.
set -eu
rows=${1:-10000000} providers=${2:-23000} systems=${3:-44} out=${4:-.} months=${5:-0}
mkdir -p "$out"
awk -v providers="$providers" -v systems="$systems" 'BEGIN {
    print "code,STP_code,STP"
    for (p = 0; p < providers; p++)
        printf "P%05d,E54%06d,\"System %d, England\"\n", p, p % systems, p % systems
}' > "$out/lookup.csv"
awk -v rows="$rows" -v providers="$providers" -v months="$months" 'BEGIN {
    print "\"period\",\"org_code\",\"type\",\"attendances\",\"breaches\",\"admissions\""
    split("1 2 other", types, " ")
    seed = 12345
    if (months > 0) {
        n = 0; slots = providers * 3
        for (m = 0; m < months; m++) {
            y = 2016 + int((m + 3) / 12); mo = (m + 3) % 12 + 1
            for (end = int(rows * (m + 1) / months); n < end; n++) {
                seed = (seed * 1103515245 + 12345) % 2147483648
                att = 100 + seed % 20000
                br = int(att * ((seed / 7) % 150) / 1000)
                s = n % slots
                printf "\"%04d-%02d-01\",\"P%05d\",\"%s\",%d,%d,%d\n", y, mo, int(s / 3), types[s % 3 + 1], att, br, int(att / 4)
            }
        }
        exit
    }
    n = 0
    for (m = 0; n < rows; m++) {
        y = 2016 + int((m + 3) / 12); mo = (m + 3) % 12 + 1
        for (p = 0; p < providers && n < rows; p++)
            for (t = 1; t <= 3 && n < rows; t++) {
                seed = (seed * 1103515245 + 12345) % 2147483648
                att = 100 + seed % 20000
                br = int(att * ((seed / 7) % 150) / 1000)
                printf "\"%04d-%02d-01\",\"P%05d\",\"%s\",%d,%d,%d\n", y, mo, p, types[t], att, br, int(att / 4)
                n++
            }
    }
}' > "$out/ae.csv"
