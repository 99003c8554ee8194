import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';

/** One ready-to-paste line an example prints: what it shows, the status it promises, header and URL. */
export const CURL = /^(.+) \((\d{3})[^)]*\):\n {2}curl -i (?:-H '([^']+)' )?(\S+)$/gm;

/**
 * The environment an example runs in: this one, with PORT 0 (a free port) and HOST 127.0.0.1, and `env`
 * replacing the variables it names (`undefined` removes one).
 */
export function exampleEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const merged: Record<string, string | undefined> = { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  return merged as NodeJS.ProcessEnv;
}

/**
 * Starts an example server (it imports the built package: `npm test` builds first) in
 * {@link exampleEnv}`(env)` and waits until it has printed `ready`.
 */
export async function startExample(
  script: string,
  { args = [], env = {}, ready = 'No token (401)' }: { args?: string[]; env?: Record<string, string | undefined>; ready?: string } = {},
): Promise<{ child: ChildProcessWithoutNullStreams; output: string }> {
  const child = spawn(process.execPath, [script, ...args], { env: exampleEnv(env) });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  while (!output.includes(ready)) {
    const [chunk] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit')])) as [string | number];
    if (typeof chunk !== 'string') throw new Error(`the example exited: ${output}`);
    output += chunk;
  }
  await new Promise((resolve) => setImmediate(resolve));
  return { child, output };
}
