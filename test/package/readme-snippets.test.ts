import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Every TypeScript block of the README must compile, strictly, against the built package as users
// import it (`express-token-guard/redis`, …): people paste them into their services. Names a block
// only mentions (db, record, MyStore, …) are declared here, nothing else.
const ROOT = join(__dirname, '../..');
const PRELUDE = `
import type { Express } from 'express';
import type { AccessToken, WritableTokenStore, tokenGuard as TokenGuard } from 'express-token-guard';
declare global {
  const db: { query(sql: string, values: unknown[]): Promise<{ rows: Array<{ record?: AccessToken }> }> };
  const record: AccessToken;
  const records: AccessToken[];
  const hash: string;
  const store: WritableTokenStore;
  const client: unknown;
  const app: Express;
  const tokenGuard: typeof TokenGuard;
  class MyStore implements WritableTokenStore {
    constructor(options: { client: unknown; prefix: string });
    save(record: AccessToken): Promise<void>;
    saveMany(records: readonly AccessToken[]): Promise<void>;
    findByAccessTokenHash(hash: string): Promise<AccessToken | undefined>;
    deleteByAccessTokenHash(hash: string): Promise<boolean>;
    deleteBySubject(subject: string): Promise<number>;
    deleteByClientId(clientId: number): Promise<number>;
  }
}
`;

it('compiles every TypeScript block of the README', () => {
  const blocks = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1] as string);
  expect(blocks.length).toBeGreaterThanOrEqual(8);
  const dir = mkdtempSync(join(ROOT, 'test/package/.snippets-'));
  try {
    writeFileSync(join(dir, 'prelude.d.mts'), `${PRELUDE}\nexport {};\n`);
    const files = blocks.map((block, i) => {
      const file = join(dir, `block-${i + 1}.mts`);
      writeFileSync(file, `${block}\nexport {};\n`);
      return file;
    });
    const args = ['--noEmit', '--strict', '--exactOptionalPropertyTypes', '--module', 'nodenext', '--target', 'es2022', '--types', 'node', '--skipLibCheck'];
    let output = '';
    try {
      execFileSync(join(ROOT, 'node_modules/.bin/tsc'), [...args, join(dir, 'prelude.d.mts'), ...files], { cwd: ROOT, encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout).replaceAll(dir, '');
    }
    expect(output).toBe('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
