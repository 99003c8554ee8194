import { cpSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken } from '../../src/core/hash.js';
import { HOUR, failure, iso, runCli, useTempDir } from './run-cli.js';

// The database drivers are the application's (optional peer dependencies): a CLI whose project has
// not installed the one --store needs says which package to install. Here the built package sits in
// a project whose node_modules has everything but the drivers.

const ROOT = join(__dirname, '../..');
const DRIVERS = new Set(['better-sqlite3', 'pg', 'redis', '@redis', 'redis5']);
const dir = useTempDir('etg-cli-drivers-');

beforeAll(() => {
  const modules = join(dir(), 'node_modules');
  const own = join(modules, 'express-token-guard');
  mkdirSync(own, { recursive: true });
  cpSync(join(ROOT, 'dist'), join(own, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(own, 'package.json'));
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (!DRIVERS.has(name) && !name.startsWith('.')) symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  writeFileSync(join(dir(), 'package.json'), '{"name":"app","private":true}');
});

const cli = () => join(dir(), 'node_modules/express-token-guard/dist/cjs/cli/main.js');

it.each([
  ['sqlite:./tokens.db', 'better-sqlite3', 'better-sqlite3@12', ['token', 'create', '--ttl', '1h']],
  ['redis://127.0.0.1:6379', 'redis', 'redis', ['token', 'list']],
  ['postgres://localhost/tokens', 'pg', 'pg', ['token', 'revoke', '--subject', 'alice']],
])('--store %s without %s says to install it', async (store, driver, install, args) => {
  const command = args[1] as string;
  const result = await runCli([...args, '--store', store], { cwd: dir(), cli: cli() });
  expect(result).toEqual(failure(command, `--store ${store} needs the package ${driver}: npm install ${install}`));
});

it('--store memory needs no driver at all, and says it keeps nothing', async () => {
  expect(await runCli(['token', 'list', '--store', 'memory'], { cwd: dir(), cli: cli() })).toEqual({ code: 0, stdout: 'No tokens.\n', stderr: '' });
  const created = await runCli(['token', 'create', '--ttl', '1h', '--store', 'memory'], { cwd: dir(), cli: cli() });
  const token = created.stdout.trimEnd();
  expect(created).toEqual({
    code: 0,
    stdout: `${token}\n`,
    stderr: `Stored in memory (gone when this command exits): hash ${hashToken(token)}, expires in 1h (${iso(HOUR)}).\nThe token is printed once: it cannot be shown again.\n`,
  });
});
