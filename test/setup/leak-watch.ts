import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { format } from 'node:util';
import { CHANNELS } from '../../src/index.js';
import { T_ADMIN, T_B64, T_EXP, T_INACT, T_OK } from '../helpers/fixtures.js';

// Runs around every test file (jest setupFilesAfterEnv): a subscriber on every channel of the package
// — so the whole suite runs with publishing on — and a watch on console output and process warnings.
// Whatever mentions a raw token of the fixtures fails the file.

const TOKENS = [T_OK, T_ADMIN, T_EXP, T_INACT, T_B64, 'tok-DPOP_0123456789', 'tok-DPOP-PWD_0123456789', 'tok-MTLS_0123456789', 'tok-PWD_0123456789', 'tok-MFA_0123456789'];
const leaks: string[] = [];

function watch(where: string, text: string): void {
  for (const token of TOKENS) if (text.includes(token)) leaks.push(`${where}: ${text.slice(0, 200)}`);
}

const listeners = Object.values(CHANNELS).map((name) => {
  const listener = (message: unknown) => watch(name, JSON.stringify(message));
  subscribe(name, listener);
  return () => unsubscribe(name, listener);
});
const onWarning = (warning: Error) => watch('process warning', `${warning.name}: ${warning.message}`);
process.on('warning', onWarning);
const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
const originals = consoleMethods.map((method) => {
  const original = console[method];
  console[method] = (...args: unknown[]) => {
    watch(`console.${method}`, format(...args));
    original.apply(console, args);
  };
  return () => (console[method] = original);
});

afterAll(() => {
  listeners.forEach((stop) => stop());
  originals.forEach((restore) => restore());
  process.off('warning', onWarning);
  if (leaks.length > 0) throw new Error(`a raw token was published, logged or warned:\n${leaks.join('\n')}`);
});
