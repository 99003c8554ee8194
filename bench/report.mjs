// @ts-check
// Prints one Markdown report of every bench/results/*.json present; with --readme, also writes it into
// bench/README.md between the results markers. The HTTP results (bench/run.mjs) get their tables; a
// file from another benchmark is shown by its `markdown` field, else its `rows` as a table, else as JSON.
//   node bench/report.mjs [--readme] [--label TEXT] [--results DIR]
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = fileURLToPath(new URL('.', import.meta.url));
const START = '<!-- results:start -->';
const END = '<!-- results:end -->';

/**
 * Writes one benchmark's results as JSON (`report` reads the folder), making the folder when needed.
 * @param {string} file @param {unknown} result
 */
export function writeResult(file, result) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}

/** The machine a run is on: CPU model (from /proc/cpuinfo where there is one), cores, Node. */
export function machine() {
  let cpu = cpus()[0]?.model ?? 'unknown CPU';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux: os.cpus() said it
  }
  return { cpu, cores: cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` };
}

const PATH_TITLES = { valid: 'valid token → 200', 'no-token': 'no token → 401', 'wrong-scope': 'token without the scope → 403' };

/** @param {number} x @param {number} digits */
const fixed = (x, digits) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
/** @param {{ median: number, q1: number, q3: number }} s */
const range = (s) => `${fixed(s.q1, 2)}–${fixed(s.q3, 2)}`;

/**
 * The tables of one bench/run.mjs result (its JSON), one per path.
 * @param {any} report
 */
export function httpReport(report) {
  const { settings, results, skipped = [] } = report;
  const out = [
    `### HTTP: Express 5 behind each check (bench/run.mjs)`,
    '',
    `${settings.rounds} interleaved rounds of ${settings.seconds} s per variant and path, ${settings.connections} connections, ` +
      (settings.pinned ? 'servers on CPU 0, autocannon + Redis + PostgreSQL on CPU 1.' : 'UNPINNED (no taskset): numbers are noisier.') +
      ' Ratios are to bare Express in the same round and path (median, and the middle half of the rounds).' +
      ' **CPU µs per request (server process, user + system) decides**: it is steadier than req/s on a shared machine.',
  ];
  for (const path of settings.paths) {
    out.push(
      '',
      `#### ${/** @type {Record<string, string>} */ (PATH_TITLES)[path] ?? path}`,
      '',
      '| variant | CPU µs/req | CPU × bare | middle half | req/s | req/s × bare | middle half | p99 ms |',
      '|---|--:|--:|--:|--:|--:|--:|--:|',
    );
    for (const r of results.filter((/** @type {any} */ r) => r.path === path)) {
      const flags = `${r.unexpected > 0 ? ` ⚠ ${r.unexpected} unexpected` : ''}${r.loadCpuMax > 0.9 ? ' ⚠ load generator saturated' : ''}`;
      out.push(
        `| ${r.variant}${r.expectedStatus === 200 && path !== 'valid' ? ' (200)' : ''}${flags} | ${fixed(r.cpuUsPerRequest, 1)} | ` +
          `${fixed(r.cpuRatioToBare.median, 2)} | ${range(r.cpuRatioToBare)} | ${fixed(r.rps, 0)} | ${fixed(r.ratioToBare.median, 2)} | ` +
          `${range(r.ratioToBare)} | ${fixed(r.p99Ms, 0)} |`,
      );
    }
  }
  for (const { variant, reason } of skipped) out.push('', `Skipped ${variant}: ${reason}.`);
  return out.join('\n');
}

/**
 * A result file of another benchmark: its `markdown`, its `rows` as a table, or its JSON.
 * @param {string} name @param {any} data
 */
function otherReport(name, data) {
  const title = `### ${typeof data?.title === 'string' ? data.title : name}`;
  if (typeof data?.markdown === 'string') return `${title}\n\n${data.markdown.trim()}`;
  if (Array.isArray(data?.rows) && data.rows.length > 0) {
    const columns = [...new Set(data.rows.flatMap((/** @type {object} */ row) => Object.keys(row)))];
    const cell = (/** @type {unknown} */ v) => (typeof v === 'number' ? String(Number(v.toPrecision(4))) : String(v ?? ''));
    const lines = data.rows.map((/** @type {Record<string, unknown>} */ row) => `| ${columns.map((c) => cell(row[c])).join(' | ')} |`);
    return [title, '', `| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`, ...lines].join('\n');
  }
  return `${title}\n\n\`\`\`json\n${JSON.stringify(data, null, 2)}\n\`\`\``;
}

/**
 * The whole report of the results in `dir`, HTTP first.
 * @param {string} dir @param {string | undefined} label
 */
export function fullReport(dir, label) {
  /** @type {string[]} */
  let files = [];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith('.json')).sort();
  } catch {
    // no results yet
  }
  const loaded = files.map((file) => ({ name: basename(file, '.json'), data: JSON.parse(readFileSync(join(dir, file), 'utf8')) }));
  const http = loaded.find(({ data }) => data?.kind === 'http');
  const { cpu, cores, node } = http?.data.machine ?? machine();
  const date = http?.data.date ?? new Date().toISOString();
  const sections = [
    `${label === undefined ? '' : `**${label}.** `}${date.slice(0, 10)}, ${cpu}, ${cores} cores, Node ${node}.`,
    ...(http === undefined ? [] : [httpReport(http.data)]),
    ...loaded.filter((entry) => entry !== http).map(({ name, data }) => otherReport(name, data)),
  ];
  if (loaded.length === 0) sections.push(`No results in ${dir}: run \`npm run bench\` first.`);
  return sections.join('\n\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  /** @type {{ readme?: boolean, label?: string, results?: string }} */
  let values = {};
  try {
    values = parseArgs({ options: { readme: { type: 'boolean' }, label: { type: 'string' }, results: { type: 'string' } } }).values;
  } catch (error) {
    console.error(`bench/report.mjs: ${/** @type {Error} */ (error).message}`);
    console.error('usage: node bench/report.mjs [--readme] [--label TEXT] [--results DIR]');
    process.exit(2);
  }
  const report = fullReport(values.results ?? join(here, 'results'), values.label);
  console.log(report);
  if (values.readme) {
    const readmePath = join(here, 'README.md');
    const readme = readFileSync(readmePath, 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    if (start < 0 || end < start) {
      console.error(`bench/report.mjs: ${readmePath} has no ${START} … ${END} section`);
      process.exit(1);
    }
    writeFileSync(readmePath, `${readme.slice(0, start + START.length)}\n${report}\n${readme.slice(end)}`);
    console.log(`\nwrote the results section of ${readmePath}`);
  }
}
