import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';

/** One ready-to-paste line an example prints: what it shows, the status it promises, header and URL. */
export const CURL = /^(.+) \((\d{3})[^)]*\):\n {2}curl -i (?:-H '([^']+)' )?(\S+)$/gm;

/**
 * Starts an example server (it imports the built package: `npm test` builds first) on a free port
 * and waits until it has printed `ready`; `env` replaces the environment's variables it names
 * (`undefined` removes one).
 */
export async function startExample(
  script: string,
  { args = [], env = {}, ready = 'No token (401)' }: { args?: string[]; env?: Record<string, string | undefined>; ready?: string } = {},
): Promise<{ child: ChildProcessWithoutNullStreams; output: string }> {
  const merged: Record<string, string | undefined> = { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  const child = spawn(process.execPath, [script, ...args], { env: merged as NodeJS.ProcessEnv });
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

/** Asks every curl line of `output` and returns [what, promised status, actual status, challenge]. */
export async function askCurlLines(output: string): Promise<Array<[string, number, number, string | null]>> {
  const answers: Array<[string, number, number, string | null]> = [];
  for (const [, what, status, header, url] of output.matchAll(CURL)) {
    const headers: Record<string, string> = {};
    if (header !== undefined) {
      const [name, value] = header.split(': ') as [string, string];
      headers[name] = value;
    }
    const res = await fetch(url as string, { headers });
    answers.push([what as string, Number(status), res.status, res.headers.get('www-authenticate')]);
  }
  return answers;
}
