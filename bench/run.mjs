// @ts-check
// Throughput of Express with tokenGuard (memory store) against bare Express, a do-nothing middleware
// and a hand-written sha256 + Map middleware, in one run. Every server runs for the whole run, pinned
// to CPU 0, with the load generator on CPU 1 (when taskset exists); the variants take turns in short
// slices, in a rotating order, and each round's throughput is divided by bare Express's in the same
// round. Only those same-run ratios mean anything: on a shared machine the absolute numbers drift.
//   npm run bench -- [--rounds 20] [--seconds 2] [--connections 20] [--variants bare,guard]
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { BENCH_TOKEN } from './fixtures.mjs';

const ALL_VARIANTS = ['bare', 'noop', 'guard', 'handwritten'];
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '20' },
    variants: { type: 'string', default: ALL_VARIANTS.join(',') },
  },
});

/** @param {'rounds' | 'seconds' | 'connections'} name */
function positive(name) {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 1) fail(`--${name} must be a whole number of 1 or more, not "${values[name]}"`);
  return value;
}
/** @param {string} message @returns {never} */
function fail(message) {
  console.error(message);
  process.exit(2);
}
const rounds = positive('rounds');
const seconds = positive('seconds');
const connections = positive('connections');
const variants = values.variants.split(',');
for (const variant of variants) {
  if (!ALL_VARIANTS.includes(variant)) fail(`--variants takes a list of ${ALL_VARIANTS.join(', ')}, not "${variant}"`);
}
if (!variants.includes('bare')) variants.unshift('bare');

const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (hasTaskset) execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });

const serverScript = fileURLToPath(new URL('./server.mjs', import.meta.url));
const headers = { authorization: `Bearer ${BENCH_TOKEN}` };

/** @param {string} variant */
async function start(variant) {
  const [command, args] = hasTaskset
    ? ['taskset', ['-c', '0', process.execPath, serverScript, variant]]
    : [process.execPath, [serverScript, variant]];
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const stdout = /** @type {import('node:stream').Readable} */ (child.stdout).setEncoding('utf8');
  const [port] = await once(stdout, 'data');
  return { variant, child, url: `http://127.0.0.1:${String(port).trim()}/items` };
}

/** @param {string} url @param {number} duration */
async function load(url, duration) {
  const result = await autocannon({ url, headers, connections, duration });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.total / duration;
}

const servers = await Promise.all(variants.map(start));
try {
  for (const server of servers) await load(server.url, 2);
  /** @type {Record<string, number[]>} */
  const ratios = Object.fromEntries(variants.map((v) => [v, []]));
  /** @type {Record<string, number[]>} */
  const rates = Object.fromEntries(variants.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++) {
    /** @type {Record<string, number>} */
    const rate = {};
    for (let i = 0; i < servers.length; i++) {
      const server = /** @type {(typeof servers)[number]} */ (servers[(round + i) % servers.length]);
      rate[server.variant] = await load(server.url, seconds);
    }
    for (const variant of variants) {
      rates[variant]?.push(rate[variant] ?? 0);
      ratios[variant]?.push((rate[variant] ?? 0) / (rate['bare'] ?? 1));
    }
    console.log(`round ${String(round + 1).padStart(2)}  ${variants.map((v) => `${v} ${(rate[v] ?? 0).toFixed(0)}`).join('  ')}`);
  }
  /** @param {number[]} xs @param {number} q */
  const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;
  console.log(
    `\n${rounds} rounds of ${seconds} s per variant, ${connections} connections` +
      `${hasTaskset ? ', servers on CPU 0, load on CPU 1' : ', unpinned (no taskset)'}; Node ${process.version}`,
  );
  console.log('  variant       median req/s   median ratio to bare (same round)   middle half of ratios');
  for (const variant of variants) {
    const r = ratios[variant] ?? [];
    console.log(
      `  ${variant.padEnd(11)} ${quantile(rates[variant] ?? [], 0.5).toFixed(0).padStart(12)}   ` +
        `${quantile(r, 0.5).toFixed(3).padStart(31)}x   ${quantile(r, 0.25).toFixed(3)}–${quantile(r, 0.75).toFixed(3)}`,
    );
  }
} finally {
  for (const { child } of servers) child.kill();
}
