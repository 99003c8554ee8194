#!/usr/bin/env node
// The `express-token-guard` command: see `express-token-guard --help`.
import { runCli } from './run.js';

// A reader that went away (`token list | head`) is not an error worth a word.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

runCli(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then(
  (status) => {
    process.exitCode = status;
  },
);
