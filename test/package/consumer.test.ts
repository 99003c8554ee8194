import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Packs the package as npm would publish it and installs the tarball into a fresh project, then uses it
// the ways a user would: ESM import, CommonJS require, TypeScript, and the README's quick start pasted
// as it is. `npm test` builds dist before jest runs; packing here skips the build so that no other
// test sees dist disappear.

const ROOT = join(__dirname, '../..');
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error' } });
const node = (args: string[], cwd: string) => execFileSync(process.execPath, args, { cwd, encoding: 'utf8' });
const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);

function quickStart(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const match = /<!-- quick-start[^>]*-->\n```js\n([\s\S]*?)```/.exec(readme);
  if (match === null) throw new Error('README.md has no quick-start block');
  return match[1] as string;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

describe('the packed package in a fresh project', () => {
  let dir: string;
  let tarball: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'etg-consumer-'));
    const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT)) as Array<{
      filename: string;
    }>;
    tarball = join(dir, (packed as { filename: string }).filename);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, 'express@5', '@types/express@5', '@types/node@20'], dir);
  }, 240_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('ships dist and the README only, without tests or sources', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    expect(listing.every((file) => /^package\/(dist\/(esm|cjs)\/|package\.json$|README\.md$|LICENSE$)/.test(file))).toBe(true);
    expect(listing).toEqual(expect.arrayContaining(['package/dist/esm/index.js', 'package/dist/cjs/index.d.ts', 'package/LICENSE']));
  });

  it('exports the same API to import and to require', () => {
    const expected = [
      'AuthError', 'CHANNELS', 'CorruptRecordError', 'CredentialsRequiredError', 'DEFAULT_DPOP_ALGORITHMS', 'DEFAULT_REALM', 'DPOP_ALGORITHMS', 'InsufficientScopeError',
      'InsufficientUserAuthenticationError', 'InvalidDpopProofError', 'InvalidRequestError', 'InvalidTokenError', 'MemoryReplayStore', 'MemoryTokenStore',
      'StoreTimeoutError', 'StoreUnavailableError', 'UpstreamError', 'UseDpopNonceError', 'authErrorHandler', 'cachedStore', 'createAuthorizer', 'hashToken', 'isAuthError', 'jwtAccessTokenStore',
      'parseAccessToken', 'protectedResourceMetadata', 'protectedResourceMetadataUrl', 'requireAnyScope', 'requireAuthLevel', 'requireScopes', 'tokenGuard',
    ];
    const esm = node(['--input-type=module', '-e', "import * as m from 'express-token-guard'; console.log(JSON.stringify(Object.keys(m).sort()))"], dir);
    const cjs = node(['-e', "console.log(JSON.stringify(Object.keys(require('express-token-guard')).sort()))"], dir);
    expect(JSON.parse(esm)).toEqual(expected);
    expect(JSON.parse(cjs)).toEqual(expected);
    expect(node(['-e', "console.log(require('express-token-guard').hashToken('abc'))"], dir).trim()).toBe(
      'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0',
    );
  });

  it.each([
    ['express-token-guard/redis', ['DEFAULT_REDIS_CHANNEL', 'RedisReplayStore', 'RedisTokenStore', 'redisInvalidations']],
    ['express-token-guard/postgres', ['DEFAULT_POSTGRES_CHANNEL', 'PostgresTokenStore', 'postgresInvalidations']],
    ['express-token-guard/sqlite', ['SqliteTokenStore']],
    ['express-token-guard/authlete', ['AUTHLETE_PAGE_SIZE', 'authleteStore', 'syncFromAuthlete']],
    ['express-token-guard/introspection', ['introspectionStore']],
    ['express-token-guard/testing', ['startFakeAuthlete', 'storeContract']],
    [
      'express-token-guard/core',
      ['AuthError', 'CHANNELS', 'CredentialsRequiredError', 'DEFAULT_REALM', 'InsufficientScopeError', 'InsufficientUserAuthenticationError', 'InvalidDpopProofError',
        'InvalidRequestError', 'InvalidTokenError', 'MemoryTokenStore', 'StoreUnavailableError', 'UseDpopNonceError', 'createAuthorizer', 'hashToken', 'isAuthError'],
    ],
  ])('%s loads without any database driver installed, by import and by require', (subpath, names) => {
    const drivers = /node_modules[\\/](redis|@redis|pg|pg-[a-z]+|better-sqlite3)[\\/]/;
    const cjs = node(['-e', `const m = require('${subpath}'); const loaded = Object.keys(require.cache).filter((f) => ${drivers}.test(f)); console.log(JSON.stringify([Object.keys(m).sort(), loaded]))`], dir);
    const esm = node(['--input-type=module', '-e', `import * as m from '${subpath}'; console.log(JSON.stringify(Object.keys(m).sort()))`], dir);
    expect(JSON.parse(cjs)).toEqual([names, []]);
    expect(JSON.parse(esm)).toEqual(names);
    expect(() => node(['-e', "require('redis')"], dir)).toThrow(/Cannot find module 'redis'/);
  });

  it('express-token-guard/core never loads express', () => {
    const loaded = node(['-e', "require('express-token-guard/core'); console.log(JSON.stringify(Object.keys(require.cache).filter((f) => /node_modules[\\\\/]express[\\\\/]/.test(f))))"], dir);
    expect(JSON.parse(loaded)).toEqual([]);
  });

  it('type-checks the README quick start, and typed req.auth, in a strict TypeScript project', () => {
    writeFileSync(join(dir, 'quick-start.mts'), quickStart());
    writeFileSync(
      join(dir, 'typed.cts'),
      [
        "import express = require('express');",
        "import { tokenGuard, MemoryTokenStore, type AuthInfo } from 'express-token-guard';",
        'const app = express();',
        'app.use(tokenGuard({ store: new MemoryTokenStore() }));',
        "app.get('/', (req, res) => { const auth: AuthInfo | undefined = req.auth; res.json(auth?.subject ?? null); });",
        '// @ts-expect-error a misspelt option is a type error',
        'tokenGuard({ store: new MemoryTokenStore(), relm: "x" });',
      ].join('\n'),
    );
    const args = ['--noEmit', '--strict', '--exactOptionalPropertyTypes', '--module', 'nodenext', '--target', 'es2022', '--types', 'node'];
    expect(() => execFileSync(bin('tsc'), [...args, 'quick-start.mts', 'typed.cts'], { cwd: dir, encoding: 'utf8' })).not.toThrow();
  });

  it('runs the README quick start as pasted', async () => {
    writeFileSync(join(dir, 'quick-start.mjs'), quickStart());
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, ['quick-start.mjs'], { cwd: dir, env: { ...process.env, PORT: String(port) } });
    try {
      const url = `http://localhost:${port}/api/items`;
      let ok: Response | undefined;
      for (let attempt = 0; ok === undefined; attempt++) {
        ok = await fetch(url, { headers: { Authorization: 'Bearer demo-token' } }).catch((error: unknown) => {
          if (attempt > 20_000 || child.exitCode !== null) throw error;
          return new Promise<undefined>((resolve) => setImmediate(resolve, undefined));
        });
      }
      expect([ok.status, await ok.json()]).toEqual([200, { owner: 'alice', items: [] }]);
      const none = await fetch(url);
      expect([none.status, none.headers.get('www-authenticate'), await none.json()]).toEqual([
        401,
        'Bearer realm="example"',
        { error: 'unauthorized', error_description: 'This resource requires a bearer access token' },
      ]);
      const write = await fetch(url, { method: 'POST', headers: { Authorization: 'Bearer demo-token' } });
      expect([write.status, write.headers.get('www-authenticate')]).toEqual([
        403,
        'Bearer realm="example", error="insufficient_scope", error_description="The access token does not carry the scope this request requires", scope="items:write admin"',
      ]);
    } finally {
      child.kill();
    }
  });

  it.each([
    ['require', 'dpop.cjs', "const { MemoryTokenStore, hashToken, tokenGuard } = require('express-token-guard');\nconst express = require('express');\nconst { createHash } = require('node:crypto');"],
    ['import', 'dpop.mjs', "import { MemoryTokenStore, hashToken, tokenGuard } from 'express-token-guard';\nimport express from 'express';\nimport { createHash } from 'node:crypto';"],
  ])('checks a DPoP proof with jose, loaded by %s', async (_how, file, imports) => {
    writeFileSync(
      join(dir, file),
      `${imports}
(async () => {
  const jose = await import('jose');
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256');
  const jwk = await jose.exportJWK(publicKey);
  const store = new MemoryTokenStore([{ accessTokenHash: hashToken('t1'), accessTokenExpiresAt: Date.now() + 60000, cnf: { jkt: await jose.calculateJwkThumbprint(jwk) } }]);
  const app = express();
  app.use(tokenGuard({ store, dpop: { origin: 'https://rs.example' } }));
  app.get('/r', (req, res) => res.json({ jkt: req.auth.cnf.jkt }));
  const server = app.listen(0, '127.0.0.1', async () => {
    const ath = createHash('sha256').update('t1').digest('base64url');
    const proof = await new jose.SignJWT({ jti: 'j1', htm: 'GET', htu: 'https://rs.example/r', iat: Math.floor(Date.now() / 1000), ath })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).sign(privateKey);
    const url = 'http://127.0.0.1:' + server.address().port + '/r';
    const ok = await fetch(url, { headers: { authorization: 'DPoP t1', dpop: proof } });
    const replayed = await fetch(url, { headers: { authorization: 'DPoP t1', dpop: proof } });
    console.log(JSON.stringify([ok.status, (await ok.json()).jkt === store.findByAccessTokenHash(hashToken('t1')).cnf.jkt, replayed.status]));
    server.close();
  });
})();
`,
    );
    expect(JSON.parse(node([file], dir))).toEqual([200, true, 401]);
  });

  it('runs the express-token-guard bin from the installed tarball', () => {
    expect(execFileSync('npx', ['--no-install', 'express-token-guard', '--help'], { cwd: dir, encoding: 'utf8' })).toMatch(/^Usage: express-token-guard token <command>/);
  });

  it('passes publint and are-the-types-wrong', () => {
    expect(() => execFileSync(bin('publint'), ['run', '--strict', ROOT], { encoding: 'utf8' })).not.toThrow();
    const report = execFileSync(bin('attw'), ['--format', 'json', tarball], { encoding: 'utf8' });
    expect(JSON.parse(report).analysis.problems).toEqual([]);
  });
});
