// bench/make/bench.mjs: the text work of `make bench` (bench/make/run.sh).
//
//   node bench.mjs figures REPORT.json       Pledge's JSON report as CSV
//                                            system,item,value
//   node bench.mjs agree REF.csv OTHER.csv   whether two such CSV agree
//   node bench.mjs table TIMES               the markdown table of a run
//   node bench.mjs doc DOC ROWS BLOCK        BLOCK into DOC, in place
//
// agree: the same (system, item) pairs, each once; values both empty or
// within 1e-12 of each other. Prints the pairs compared and the largest
// difference; exit status 1, with the first disagreements, otherwise.
//
// table: TIMES has a line a run, `tool|version|wall cpu kilobytes` (the
// tool's first line names the reference, DuckDB; a tool named "floor"
// the floor). Prints each tool's median and min–max.
//
// doc: DOC holds `<!-- make bench: begin -->` and `<!-- make bench: end -->`;
// between them a block a size, `<!-- make bench ROWS rows: begin -->` to
// `... end -->`. BLOCK (a file) replaces that size's block, or is added in
// order of size.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';

const [verb, ...args] = process.argv.slice(2);
const fail = (msg, status = 1) => { process.stderr.write(`bench.mjs: ${msg}\n`); process.exit(status); };

function readCsv(path) {
    const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
    if (lines[0] !== 'system,item,value') fail(`${path}: the header is not system,item,value`);
    const map = new Map();
    for (const line of lines.slice(1)) {
        const f = line.split(',');
        if (f.length !== 3) fail(`${path}: not three fields: ${line}`);
        const key = `${f[0]} ${f[1]}`;
        if (map.has(key)) fail(`${path}: ${key} appears twice`);
        map.set(key, f[2]);
    }
    return map;
}

const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b), n = s.length;
    return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

if (verb === 'figures' && args.length === 1) {
    const report = JSON.parse(readFileSync(args[0], 'utf8'));
    if (!Array.isArray(report.results)) fail(`${args[0]}: no results`);
    const rows = report.results.filter((r) => r.kind === 'commitment')
        .map((r) => [r.system, r.item, r.value === null ? '' : String(Number(r.value.toPrecision(15)))])
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    process.stdout.write(['system,item,value', ...rows.map((r) => r.join(','))].join('\n') + '\n');
} else if (verb === 'agree' && args.length === 2) {
    const ref = readCsv(args[0]), other = readCsv(args[1]);
    const problems = [];
    let max = 0, valued = 0;
    for (const [key, a] of ref) {
        if (!other.has(key)) { problems.push(`${key}: missing`); continue; }
        const b = other.get(key);
        if ((a === '') !== (b === '')) { problems.push(`${key}: "${a}" against "${b}"`); continue; }
        if (a === '') continue;
        valued++;
        const d = Math.abs(Number(a) - Number(b));
        if (!(d <= 1e-12)) problems.push(`${key}: ${a} against ${b}`);
        else max = Math.max(max, d);
    }
    for (const key of other.keys()) if (!ref.has(key)) problems.push(`${key}: not in the reference`);
    if (!ref.size) problems.push('no figures at all');
    if (problems.length) {
        process.stderr.write(`${problems.length} disagreements; the first:\n`);
        for (const p of problems.slice(0, 10)) process.stderr.write(`  ${p}\n`);
        process.exit(1);
    }
    process.stdout.write(`${ref.size} figures, ${valued} with a value, the largest difference ${max.toPrecision(2)}\n`);
} else if (verb === 'table' && args.length === 1) {
    const tools = new Map();
    for (const line of readFileSync(args[0], 'utf8').split('\n').filter(Boolean)) {
        const [name, version, nums] = line.split('|');
        const [wall, cpu, kb] = nums.trim().split(/\s+/).map(Number);
        if (!tools.has(name)) tools.set(name, { version, wall: [], cpu: [], mib: [] });
        const t = tools.get(name);
        t.wall.push(wall); t.cpu.push(cpu); t.mib.push(kb / 1024);
    }
    const ref = tools.get([...tools.keys()].find((n) => /^DuckDB/.test(n)));
    const floor = tools.get([...tools.keys()].find((n) => /floor/.test(n)));
    const fmt = (xs, places) => {
        const f = (x) => x.toLocaleString('en-GB', { minimumFractionDigits: places, maximumFractionDigits: places });
        return xs.length > 1 ? `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})` : f(xs[0]);
    };
    const ratio = (a, b) => (b && median(b) > 0 ? (median(a) / median(b)).toFixed(2) : '');
    const out = ['| tool | version | wall time (s) | CPU time (s) | peak memory (MiB) | wall ÷ DuckDB\'s | memory ÷ DuckDB\'s | wall ÷ floor\'s |',
                 '|---|---|---:|---:|---:|---:|---:|---:|'];
    for (const [name, t] of tools) {
        out.push(`| ${name} | ${t.version} | ${fmt(t.wall, 2)} | ${fmt(t.cpu, 2)} | ${fmt(t.mib, 0)} | ` +
                 `${ratio(t.wall, ref?.wall)} | ${ratio(t.mib, ref?.mib)} | ${ratio(t.wall, floor?.wall)} |`);
    }
    process.stdout.write(out.join('\n') + '\n');
} else if (verb === 'doc' && args.length === 3) {
    const [docPath, rowsText, blockPath] = args;
    const rows = Number(rowsText);
    const BEGIN = '<!-- make bench: begin -->', END = '<!-- make bench: end -->';
    const doc = readFileSync(docPath, 'utf8');
    const from = doc.indexOf(BEGIN), to = doc.indexOf(END);
    if (from < 0 || to < from) fail(`${docPath}: no "${BEGIN}" ... "${END}" section to write the tables into`, 2);
    const inner = doc.slice(from + BEGIN.length, to);
    const block = readFileSync(blockPath, 'utf8').replace(/\n*$/, '\n');
    // the blocks now there, by size, in order
    const re = /<!-- make bench (\d+) rows: begin -->[\s\S]*?<!-- make bench \1 rows: end -->\n?/g;
    const blocks = new Map();
    for (const m of inner.matchAll(re)) blocks.set(Number(m[1]), m[0].replace(/\n*$/, '\n'));
    blocks.set(rows, `<!-- make bench ${rows} rows: begin -->\n${block}<!-- make bench ${rows} rows: end -->\n`);
    const body = [...blocks.keys()].sort((a, b) => a - b).map((k) => blocks.get(k)).join('\n');
    const text = doc.slice(0, from + BEGIN.length) + '\n' + body + doc.slice(to);
    writeFileSync(docPath + '.tmp', text);
    renameSync(docPath + '.tmp', docPath);
} else {
    fail('usage: node bench.mjs figures REPORT.json | agree REF.csv OTHER.csv | table TIMES | doc DOC ROWS BLOCK', 2);
}
