// agree.mjs: whether two assessments in the long CSV format of
// `pledge assess --format csv` agree (bench/assess/run.sh).
//
//   node bench/assess/agree.mjs REFERENCE.csv OTHER.csv [TOLERANCE]
//
// Both must have the header
//   system,system_name,item,kind,class,status,value,threshold,window,coverage,members
// and the same (system, item) pairs, each once. For each pair the statuses
// must be equal and the values both empty or within TOLERANCE (default
// 1e-12) of each other. Only system, item, status and value are compared;
// the coverage is counted, not required. Prints one line: the rows
// compared, the statuses' counts and the largest difference in value.
// Exit status 1 and the first disagreements on stderr when they differ.
import { readFileSync } from 'node:fs';

const HEADER = 'system,system_name,item,kind,class,status,value,threshold,window,coverage,members';
const [refPath, otherPath, tolText] = process.argv.slice(2);
if (!otherPath) {
    process.stderr.write('usage: node agree.mjs REFERENCE.csv OTHER.csv [TOLERANCE]\n');
    process.exit(2);
}
const tol = Number(tolText ?? 1e-12);

// RFC 4180 records: quoted fields may hold commas, quotes ("") and newlines
function parse(path) {
    const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
    const rows = [];
    let row = [], field = '', quoted = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quoted) {
            if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
            else if (c === '"') quoted = false;
            else field += c;
        } else if (c === '"') quoted = true;
        else if (c === ',') { row.push(field); field = ''; }
        else if (c === '\n' || c === '\r') {
            if (c === '\r' && text[i + 1] === '\n') i++;
            row.push(field); rows.push(row); row = []; field = '';
        } else field += c;
    }
    if (field !== '' || row.length) { row.push(field); rows.push(row); }
    if (!rows.length || rows[0].join(',') !== HEADER) {
        process.stderr.write(`${path}: the header is not ${HEADER}\n`);
        process.exit(1);
    }
    const col = Object.fromEntries(rows[0].map((name, i) => [name, i]));
    const byKey = new Map();
    for (const r of rows.slice(1)) {
        const key = r[col.system] + ' ' + r[col.item];
        if (byKey.has(key)) {
            process.stderr.write(`${path}: ${key} appears twice\n`);
            process.exit(1);
        }
        byKey.set(key, { status: r[col.status], value: r[col.value], coverage: r[col.coverage] });
    }
    return byKey;
}

const ref = parse(refPath), other = parse(otherPath);
const problems = [];
let maxDiff = 0, coverageSame = 0, coverageBoth = 0;
const counts = {};
for (const [key, a] of ref) {
    const b = other.get(key);
    if (!b) { problems.push(`${key}: only in ${refPath}`); continue; }
    counts[a.status] = (counts[a.status] ?? 0) + 1;
    if (a.status !== b.status) problems.push(`${key}: status ${a.status} against ${b.status}`);
    if ((a.value === '') !== (b.value === '')) problems.push(`${key}: value "${a.value}" against "${b.value}"`);
    else if (a.value !== '') {
        const d = Math.abs(Number(a.value) - Number(b.value));
        if (!(d <= tol)) problems.push(`${key}: value ${a.value} against ${b.value} (differ by ${d})`);
        else if (d > maxDiff) maxDiff = d;
    }
    if (a.coverage !== '' && b.coverage !== '') {
        coverageBoth++;
        if (a.coverage === b.coverage) coverageSame++;
    }
}
for (const key of other.keys()) if (!ref.has(key)) problems.push(`${key}: only in ${otherPath}`);

if (problems.length) {
    process.stderr.write(`${problems.length} disagreements between ${refPath} and ${otherPath}; the first:\n`);
    for (const p of problems.slice(0, 20)) process.stderr.write(`  ${p}\n`);
    process.exit(1);
}
const statuses = Object.entries(counts).sort().map(([s, n]) => `${n} ${s}`).join(', ');
process.stdout.write(`${ref.size} results (${statuses}); largest difference in value ${maxDiff.toPrecision(3)}; ` +
                     `coverage equal in ${coverageSame} of ${coverageBoth} rows where both give it\n`);
