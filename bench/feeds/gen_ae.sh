#!/bin/sh
# bench/feeds/gen_ae.sh ROWS PROVIDERS SYSTEMS OUTDIR
# Writes OUTDIR/ae.csv, an A&E-shaped feed (period, org_code, type,
# attendances, breaches, admissions), and OUTDIR/lookup.csv mapping the
# providers to systems, with made-up but plausible figures. Deterministic.
set -eu
rows=${1:-10000000} providers=${2:-23000} systems=${3:-44} out=${4:-.}
mkdir -p "$out"
awk -v providers="$providers" -v systems="$systems" 'BEGIN {
    print "code,STP_code,STP"
    for (p = 0; p < providers; p++)
        printf "P%05d,E54%06d,\"System %d, England\"\n", p, p % systems, p % systems
}' > "$out/lookup.csv"
awk -v rows="$rows" -v providers="$providers" 'BEGIN {
    print "\"period\",\"org_code\",\"type\",\"attendances\",\"breaches\",\"admissions\""
    split("1 2 other", types, " ")
    n = 0; seed = 12345
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
