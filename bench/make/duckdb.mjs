// bench/make/duckdb.mjs: the DuckDB peer of `make bench` (bench/make/run.sh).
//
//   node bench/make/duckdb.mjs AE.csv LOOKUP.csv
//
// Reads both files with read_csv (the columns' types given, so nothing is
// sniffed; the period as text, as figures.sql compares it) and prints the
// four figures of bench/make/figures.sql as CSV (system,item,value).
// Needs `npm ci` in bench/ (package.json names @duckdb/node-api).
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

if (process.argv.length !== 4) {
    process.stderr.write('usage: node duckdb.mjs AE.csv LOOKUP.csv\n');
    process.exit(2);
}
const [ae, lookup] = process.argv.slice(2);
const q = (s) => "'" + s.replaceAll("'", "''") + "'";
const figures = readFileSync(new URL('figures.sql', import.meta.url), 'utf8');

const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
await conn.run(`CREATE VIEW ae AS SELECT * FROM read_csv(${q(ae)}, header = true, columns = {
    'period': 'VARCHAR', 'org_code': 'VARCHAR', 'type': 'VARCHAR',
    'attendances': 'BIGINT', 'breaches': 'BIGINT', 'admissions': 'BIGINT'})`);
await conn.run(`CREATE VIEW lookup AS SELECT * FROM read_csv(${q(lookup)}, header = true, columns = {
    'code': 'VARCHAR', 'STP_code': 'VARCHAR', 'STP': 'VARCHAR'})`);
const reader = await conn.runAndReadAll(figures);
const out = ['system,item,value'];
for (const [system, item, value] of reader.getRows()) out.push(`${system},${item},${value}`);
process.stdout.write(out.join('\n') + '\n');
