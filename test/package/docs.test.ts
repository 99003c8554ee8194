import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `npm run docs` builds the API reference with TypeDoc from typedoc.json, which turns on
// `validation.notDocumented`, `notExported` and `invalidLink` with `treatWarningsAsErrors`. Here TypeDoc
// runs the same way into a temporary folder (rendering catches more, such as a code block in a language
// it cannot highlight), so a public export without TSDoc, a link to nothing, or a public type that
// names an unexported one fails the suite (issue 9, "Docs and examples").

const ROOT = join(__dirname, '../..');
const readJson = (file: string): unknown => JSON.parse(readFileSync(join(ROOT, file), 'utf8'));

interface ExportTarget {
  import: { types: string };
}

describe('the API reference (TypeDoc)', () => {
  it('documents every entry point in package.json "exports"', () => {
    const { exports } = readJson('package.json') as { exports: Record<string, ExportTarget | string> };
    const fromExports = Object.values(exports)
      .filter((target): target is ExportTarget => typeof target === 'object')
      .map((target) => target.import.types.replace(/^\.\/dist\/esm\//, 'src/').replace(/\.d\.ts$/, '.ts'))
      .sort();
    const { entryPoints } = readJson('typedoc.json') as { entryPoints: string[] };
    expect([...entryPoints].sort()).toEqual(fromExports);
  });

  it('finds TSDoc on every public export, and no broken or dangling reference', () => {
    const out = mkdtempSync(join(tmpdir(), 'etg-docs-'));
    const run = spawnSync(join(ROOT, 'node_modules/.bin/typedoc'), ['--out', out, '--logLevel', 'Warn'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 110_000,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    rmSync(out, { recursive: true, force: true });
    // eslint-disable-next-line no-control-regex
    const output = `${run.stdout}${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
    const problems = output.split('\n').filter((line) => /\[(warning|error)\]/.test(line) && !/Found \d+ errors and \d+ warnings/.test(line));
    expect(problems).toEqual([]);
    expect({ status: run.status, signal: run.signal, error: run.error?.message }).toEqual({ status: 0, signal: null, error: undefined });
  }, 120_000);
});
