import { spawnSync, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { CURL, exampleEnv, startExample } from './example-process.js';

const INSUFFICIENT_SCOPE = 'The access token does not carry the scope this request requires';

/** The challenge (realm "example") and JSON body of the refusals the examples answer with; a body does not depend on the realm. */
export const REFUSED = {
  noToken: ['Bearer realm="example"', { error: 'unauthorized', error_description: 'This resource requires a bearer access token' }],
  invalidToken: [
    'Bearer realm="example", error="invalid_token", error_description="The access token is invalid or has expired"',
    { error: 'invalid_token', error_description: 'The access token is invalid or has expired' },
  ],
  insufficientScope: (scope: string) =>
    [
      `Bearer realm="example", error="insufficient_scope", error_description="${INSUFFICIENT_SCOPE}", scope="${scope}"`,
      { error: 'insufficient_scope', error_description: INSUFFICIENT_SCOPE },
    ] as const,
} as const;

/**
 * Starts an example (see {@link startExample}) before the tests of the enclosing `describe` and stops
 * it after them; the fields are set once `beforeAll` has run.
 */
export function exampleUnderTest(script: string, options?: Parameters<typeof startExample>[1]): { child: ChildProcessWithoutNullStreams; output: string } {
  const example = {} as { child: ChildProcessWithoutNullStreams; output: string };
  beforeAll(async () => {
    Object.assign(example, await startExample(script, options));
  }, 30_000);
  afterAll(() => stopExample(example.child));
  return example;
}

/** Sends `signal` to a running example and returns its exit code (`null` if it was already gone). */
export async function stopExample(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return null;
  child.kill(signal);
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

/**
 * Runs an example that is to refuse to start, in {@link exampleEnv}`(env)`: its exit status, then the
 * lines it wrote to stderr.
 */
export function refusal(
  script: string,
  { args = [], env = {} }: { args?: string[]; env?: Record<string, string | undefined> } = {},
): [number | null, ...string[]] {
  const run = spawnSync(process.execPath, [script, ...args], { env: exampleEnv(env), encoding: 'utf8', timeout: 20_000 });
  return [run.status, ...run.stderr.trimEnd().split('\n')];
}

/** Asks every curl line of `output` in turn: [what, promised status, status, challenge, JSON body]. */
export async function answerCurlLines(output: string): Promise<Array<[string, number, number, string | null, unknown]>> {
  const answers: Array<[string, number, number, string | null, unknown]> = [];
  for (const [, what, promised, header, url] of output.matchAll(CURL)) {
    const authorization = header?.replace(/^Authorization: /, '');
    const res = await fetch(url as string, { headers: authorization === undefined ? {} : { Authorization: authorization } });
    answers.push([what as string, Number(promised), res.status, res.headers.get('www-authenticate'), await res.json()]);
  }
  return answers;
}
