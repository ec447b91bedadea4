// duckdb_assess.mjs: the DuckDB side of the assessment benchmark (run.sh).
//
//   node bench/assess/duckdb_assess.mjs ROUND.pledge AE.csv LOOKUP.csv AS_OF [OUT.csv]
//
// Computes in SQL what `pledge assess ROUND --feed ae=AE.csv --feed
// stp=LOOKUP.csv --as-of AS_OF --format csv` computes: for every system (a
// parent in the lookup) and every commitment of the round, its status as of
// AS_OF under the rules of docs/language.md §5, with the value, threshold,
// window and coverage it was judged on, in the same long CSV format:
//
//   system,system_name,item,kind,class,status,value,threshold,window,coverage,members
//
// The commitments (measure, target, milestones, tolerance) and the feed's
// lag are read from ROUND.pledge by a small parser that knows only the
// shapes that file uses; the five metrics are written out in SQL below.
// Everything that depends on the data is SQL:
//
// * a window is known on AS_OF when AS_OF >= its last day + the lag;
// * the value of a metric for a system over a window is a ratio of sums
//   over all rows of the system's member providers in the window's months;
//   a sum over no rows is NULL (missing), and so is the ratio;
// * the status: the target's window known -> met / missed / no_data; else
//   the latest known milestone (by the window's last day) -> on_track /
//   off_track / no_data, its threshold widened by the tolerance; else
//   not_due;
// * comparisons are exact: value num/den against threshold t/10^9 as
//   num * 10^9 CMP t * den in 128-bit integers (HUGEINT), so a value equal
//   to its threshold compares equal, as in Pledge.
//
// Coverage (how many member providers had rows in the window) comes from
// one bitstring per system and month, a bit per provider, OR-ed over the
// window's months and counted: it costs little beside the sums, where
// grouping by provider and month (3.3 million groups at 10M rows) would
// double the query's time. The lookup is read first, on its own, to number
// the providers.
//
// The value is printed with 15 significant digits (as Pledge's %.15g).
// Needs `npm ci` in bench/ (its package.json names
// @duckdb/node-api); this script loads the package from there.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';

const require = createRequire(new URL('../package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const args = process.argv.slice(2);
if (args.length < 4 || args.length > 5) {
    process.stderr.write('usage: node duckdb_assess.mjs ROUND.pledge AE.csv LOOKUP.csv AS_OF [OUT.csv]\n');
    process.exit(2);
}
const [roundPath, ae, lookup, asOf, outPath] = args;
if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) fail(`bad --as-of date ${asOf}`);

function fail(msg) {
    process.stderr.write(`duckdb_assess: ${msg}\n`);
    process.exit(2);
}

// ---- the metrics, as numerator and denominator over a system's sums ------
// a, b, ad: sum of attendances, breaches, admissions; a1, b1, ad1: the same
// over type 1 rows only (NULL when there are none).
const METRICS = {
    ae_4hr:       ['a - b',   'a'],
    type1_4hr:    ['a1 - b1', 'a1'],
    breach_share: ['b',       'a'],
    adm_rate:     ['ad',      'a'],
    type1_adm:    ['ad1',     'a1'],
};

// ---- reading the round's commitments -----------------------------------
const SCALE = 9;                        // thresholds as integers over 10^9
const src = readFileSync(roundPath, 'utf8').replace(/\/\/[^\n]*/g, '');

// "92.4%" -> 924000000n (over 10^9); "0.24996" -> 249960000n; "0.5pp" -> 5000000n
function scaled(text) {
    const m = /^(\d+)(?:\.(\d+))?(%|pp)?$/.exec(text);
    if (!m) fail(`cannot read the number ${text}`);
    const frac = m[2] ?? '';
    const places = SCALE - (m[3] ? 2 : 0);
    if (frac.length > places) fail(`${text} has more places than ${places}`);
    return BigInt(m[1] + frac.padEnd(places, '0'));
}
// the exact decimal of an integer over 10^9, as Pledge writes a threshold
function decimal(n) {
    const s = n.toString().padStart(SCALE + 1, '0');
    const whole = s.slice(0, -SCALE), frac = s.slice(-SCALE).replace(/0+$/, '');
    return frac ? `${whole}.${frac}` : whole;
}

const pad = (n) => String(n).padStart(2, '0');
const lastDay = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();     // m is 1..12
// a period's first and last day: 2019/20, 2019/20 Q1, 2019-04
function period(text) {
    let m;
    if ((m = /^(\d{4})\/(\d{2})(?: Q([1-4]))?$/.exec(text))) {
        const fy = Number(m[1]);
        if ((fy + 1) % 100 !== Number(m[2])) fail(`bad financial year ${text}`);
        if (!m[3]) return [`${fy}-04-01`, `${fy + 1}-03-31`];
        const first = 4 + 3 * (Number(m[3]) - 1);            // 4, 7, 10, 13
        const y = fy + (first > 12 ? 1 : 0), mo = (first - 1) % 12 + 1;
        return [`${y}-${pad(mo)}-01`, `${y}-${pad(mo + 2)}-${lastDay(y, mo + 2)}`];
    }
    if ((m = /^(\d{4})-(\d{2})$/.exec(text))) {
        const y = Number(m[1]), mo = Number(m[2]);
        return [`${y}-${pad(mo)}-01`, `${y}-${pad(mo)}-${lastDay(y, mo)}`];
    }
    fail(`cannot read the window ${text}`);
}
function windowOf(text) {
    const parts = text.split(/\s*\.\.\s*/);
    if (parts.length === 1) return period(text);
    return [period(parts[0])[0], period(parts[1])[1]];
}

const lagm = /\blag\s*=\s*(\d+)\s*(weeks?|days?)\b/.exec(src);
if (!lagm) fail('the round has no feed lag');
const LAG_DAYS = Number(lagm[1]) * (lagm[2].startsWith('week') ? 7 : 1);

const items = [];
const block = /\b(foundational|transformation)\s+commitment\s+(\w+)\s+"(?:[^"\\]|\\.)*"\s*\{([^}]*)\}/g;
for (let b; (b = block.exec(src)); ) {
    const [, cls, id, body] = b;
    const item = { id, cls, measure: null, tolerance: 0n, marks: [] };
    for (const line of body.split('\n').map((s) => s.trim()).filter(Boolean)) {
        let m;
        if ((m = /^measure\s*=\s*(\w+)$/.exec(line))) item.measure = m[1];
        else if ((m = /^tolerance\s*=\s*(\S+)$/.exec(line))) item.tolerance = scaled(m[1]);
        else if ((m = /^(target|milestone)\s*=\s*(>=|<=|>|<|==)\s*(\S+)\s+in\s+(.+)$/.exec(line))) {
            const [from, to] = windowOf(m[4]);
            item.marks.push({ target: m[1] === 'target', cmp: m[2], thr: scaled(m[3]), window: m[4], from, to });
        } else if (!/^source\s*=/.test(line)) fail(`${id}: cannot read \`${line}\``);
    }
    if (!(item.measure in METRICS)) fail(`${id}: no SQL for the measure ${item.measure}`);
    if (item.marks.filter((k) => k.target).length !== 1) fail(`${id}: needs one target`);
    items.push(item);
}
if (!items.length) fail(`no commitments in ${roundPath}`);

// One row per target or milestone. The tolerance widens a milestone's
// threshold in the direction that favours the system (not a target's).
const q = (s) => "'" + String(s).replaceAll("'", "''") + "'";
const markRows = [];
items.forEach((it, i) => it.marks.forEach((k, j) => {
    const tol = k.target ? 0n : it.tolerance;
    const bound = k.cmp.startsWith('>') ? k.thr - tol : k.thr + tol;
    markRows.push(`(${i}, ${j}, ${k.target}, ${q(it.measure)}, ${q(k.cmp)}, ${k.thr}::HUGEINT, ${bound}::HUGEINT, ${tol}::HUGEINT, ` +
                  `${q(k.window)}, DATE ${q(k.from)}, DATE ${q(k.to)})`);
}));
const itemRows = items.map((it, i) => `(${i}, ${q(it.id)}, ${q(it.cls)})`);

// ---- the SQL -------------------------------------------------------------
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
// The lookup, each provider numbered 1..n for the coverage bitstrings
await conn.run(`
CREATE TEMP TABLE lookup AS
    SELECT *, (row_number() OVER ())::INTEGER AS n
    FROM read_csv(${q(lookup)}, header = true, columns = {
        'code': 'VARCHAR', 'STP_code': 'VARCHAR', 'STP': 'VARCHAR'})`);
const nproviders = Number((await conn.runAndReadAll('SELECT count(*) FROM lookup')).getRows()[0][0]);
if (!nproviders) fail(`no providers in ${lookup}`);

const ratio = (col) => 'CASE m.metric ' +
    Object.entries(METRICS).map(([name, nd]) => `WHEN ${q(name)} THEN ${nd[col]}`).join(' ') + ' END';
const E = 10n ** BigInt(SCALE);
const sql = `
WITH ae AS (
    SELECT * FROM read_csv(${q(ae)}, header = true, columns = {
        'period': 'DATE', 'org_code': 'VARCHAR', 'type': 'VARCHAR',
        'attendances': 'BIGINT', 'breaches': 'BIGINT', 'admissions': 'BIGINT'})
), systems AS (
    SELECT STP_code AS system, min(STP) AS system_name, count(DISTINCT code) AS members
    FROM lookup GROUP BY STP_code
), items(item, id, class) AS (VALUES ${itemRows.join(', ')}
), marks(item, pos, is_target, metric, cmp, thr, bound, tol, win, lo, hi) AS (VALUES ${markRows.join(',\n    ')}
), judged AS (
    -- per commitment, what it is judged on as of the day: the target when
    -- its window is known, else the latest known milestone, else nothing
    SELECT * FROM marks
    WHERE DATE ${q(asOf)} >= hi + ${LAG_DAYS}
    QUALIFY row_number() OVER (PARTITION BY item ORDER BY is_target DESC, hi DESC, lo DESC, pos DESC) = 1
), system_month AS (
    -- each system's sums per month, and which of its providers had rows
    SELECT l.STP_code AS system, ae.period,
           sum(attendances) AS a, sum(breaches) AS b, sum(admissions) AS ad,
           sum(attendances) FILTER (WHERE type = '1') AS a1,
           sum(breaches)    FILTER (WHERE type = '1') AS b1,
           sum(admissions)  FILTER (WHERE type = '1') AS ad1,
           bitstring_agg(l.n, 1, ${nproviders}) AS providers
    FROM ae JOIN lookup l ON l.code = ae.org_code
    GROUP BY ALL
), sums AS (
    SELECT s.system, j.item, sum(a) AS a, sum(b) AS b, sum(ad) AS ad,
           sum(a1) AS a1, sum(b1) AS b1, sum(ad1) AS ad1,
           bit_count(bit_or(providers)) AS coverage
    FROM system_month s JOIN judged j ON s.period BETWEEN j.lo AND j.hi
    GROUP BY ALL
), valued AS (
    SELECT s.system, m.item, m.is_target, m.cmp, m.bound, m.thr, m.tol, m.win,
           coalesce(x.coverage, 0) AS coverage,
           (${ratio(0)})::HUGEINT AS num, (${ratio(1)})::HUGEINT AS den
    FROM systems s CROSS JOIN judged m
    LEFT JOIN sums x ON x.system = s.system AND x.item = m.item
)
SELECT s.system, s.system_name, i.id AS item, i.class,
       CASE WHEN v.item IS NULL THEN 'not_due'
            WHEN v.num IS NULL OR v.den IS NULL OR v.den = 0 THEN 'no_data'
            WHEN CASE v.cmp
                     WHEN '>=' THEN v.num * ${E} >= v.bound * v.den
                     WHEN '>'  THEN v.num * ${E} >  v.bound * v.den
                     WHEN '<=' THEN v.num * ${E} <= v.bound * v.den
                     WHEN '<'  THEN v.num * ${E} <  v.bound * v.den
                     ELSE abs(v.num * ${E} - v.thr * v.den) <= v.tol * v.den
                 END
            THEN CASE WHEN v.is_target THEN 'met' ELSE 'on_track' END
            ELSE CASE WHEN v.is_target THEN 'missed' ELSE 'off_track' END
       END AS status,
       CASE WHEN v.den <> 0 THEN v.num::DOUBLE / v.den::DOUBLE END AS value,
       v.thr, v.win, v.coverage, s.members
FROM systems s CROSS JOIN items i
LEFT JOIN valued v ON v.system = s.system AND v.item = i.item
ORDER BY s.system, i.item`;

if (process.env.DUCKDB_ASSESS_SQL) process.stderr.write(sql + '\n');
const reader = await conn.runAndReadAll(sql);

const cell = (s) => /[",\n\r]/.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
const parts = ['system,system_name,item,kind,class,status,value,threshold,window,coverage,members\n'];
for (const [system, name, item, cls, status, value, thr, win, coverage, members] of reader.getRows()) {
    const judged = status !== 'not_due';
    parts.push([
        cell(system), cell(name), item, 'commitment', cls, status,
        value === null ? '' : String(Number(value.toPrecision(15))),
        judged ? decimal(thr) : '', judged ? cell(win) : '',
        // not_due: no window, so no members in it (as Pledge writes it)
        judged ? String(coverage) : '0', judged ? String(members) : '0',
    ].join(',') + '\n');
}
const out = parts.join('');
if (outPath) writeFileSync(outPath, out);
else process.stdout.write(out);
