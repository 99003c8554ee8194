// @ts-check
// The basic example on Express 4: examples/basic/server.mjs, unchanged, with `express` resolving to Express
// 4.x (the dev dependency express4, npm:express@4) instead of this repository's Express 5. Nothing in the
// example nor in express-token-guard differs between the two: the same routes, tokens and answers.
//   node examples/express4/server.mjs [--store memory | --store sqlite:<file>]
// It takes basic's options, and prints first which Express `express` now is.
import { readFileSync } from 'node:fs';
import { register } from 'node:module';

register('./express-is-express4.mjs', import.meta.url);
const { version } = JSON.parse(readFileSync(new URL('package.json', import.meta.resolve('express')), 'utf8'));
console.log(`\`express\` is Express ${version} here; examples/basic/server.mjs, unchanged, runs on it:`);
await import('../basic/server.mjs');
