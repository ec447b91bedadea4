// duckdb_rollup.mjs: the DuckDB side of the feed benchmark (run.sh).
//
//   node bench/feeds/duckdb_rollup.mjs AE.csv LOOKUP.csv
//
// Each system's four-hour performance per financial year (April to March),
// 1 - sum(breaches) / sum(attendances), as CSV `system,fy,performance` with
// 15 significant digits, ordered by system and year. Needs
// `npm ci` in bench/ (package.json names @duckdb/node-api).
import { DuckDBInstance } from '@duckdb/node-api';

if (process.argv.length !== 4) {
    process.stderr.write('usage: node duckdb_rollup.mjs AE.csv LOOKUP.csv\n');
    process.exit(2);
}
const [ae, lookup] = process.argv.slice(2);
const quote = (s) => "'" + s.replaceAll("'", "''") + "'";

const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
const reader = await conn.runAndReadAll(`
    WITH ae AS (
        SELECT * FROM read_csv(${quote(ae)}, header = true, columns = {
            'period': 'DATE', 'org_code': 'VARCHAR', 'type': 'VARCHAR',
            'attendances': 'BIGINT', 'breaches': 'BIGINT', 'admissions': 'BIGINT'})
    ), lookup AS (
        SELECT * FROM read_csv(${quote(lookup)}, header = true, columns = {
            'code': 'VARCHAR', 'STP_code': 'VARCHAR', 'STP': 'VARCHAR'})
    ), yearly AS (
        SELECT l.STP_code AS system,
               year(ae.period) - CASE WHEN month(ae.period) < 4 THEN 1 ELSE 0 END AS fy,
               sum(ae.breaches) AS breaches, sum(ae.attendances) AS attendances
        FROM ae JOIN lookup l ON l.code = ae.org_code
        GROUP BY ALL
    )
    SELECT system, fy, breaches, attendances FROM yearly
    WHERE attendances <> 0
    ORDER BY system, fy`);

let out = 'system,fy,performance\n';
for (const [system, fy, breaches, attendances] of reader.getRows()) {
    // BIGINT sums arrive as BigInt; below 2^53 they convert to doubles exactly
    const perf = 1 - Number(breaches) / Number(attendances);
    const y = Number(fy);
    out += `${system},${y}/${String((y + 1) % 100).padStart(2, '0')},${Number(perf.toPrecision(15))}\n`;
}
process.stdout.write(out);
