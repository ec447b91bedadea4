# spc_match.sh: spc.pledge on the real data as of 2019-06-30, as JSON, then
# spc_match.py on it (spc.cases).
out=${TMPDIR:-/tmp}/spc.json
"$PLEDGE" assess spc.pledge --as-of 2019-06-30 --format json -o "$out" \
    --feed ae=../../examples/data/nhs/ae_attendances.csv \
    --feed stp=../../examples/data/nhs/trust_stp_2016_2019.csv || exit 1
python3 spc_match.py "$out"
