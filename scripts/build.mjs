// Builds dist/esm and dist/cjs from src, each with declarations and a package.json that fixes its module type.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(join(root, 'dist'), { recursive: true, force: true });
/** @type {Array<{ config: string, dir: string, type: string }>} */
const builds = [
  { config: 'tsconfig.esm.json', dir: 'dist/esm', type: 'module' },
  { config: 'tsconfig.cjs.json', dir: 'dist/cjs', type: 'commonjs' },
];
for (const { config, dir, type } of builds) {
  execFileSync(process.execPath, [tsc, '-p', config], { cwd: root, stdio: 'inherit' });
  mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, dir, 'package.json'), `${JSON.stringify({ type })}\n`);
}
