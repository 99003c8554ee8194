import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { startExample } from './example-process.js';
import { REFUSED, answerCurlLines, stopExample } from './example-under-test.js';
import { answerMethodCurlLines } from './method-curl-lines.js';

/** What the curl lines of examples/shared/demo-api.mjs answer, in the order it prints them, before the revocation. */
export const ITEMS_API_ANSWERS = [
  ['A valid token', 200, 200, null, { subject: 'alice', items: [{ id: 1, name: 'first item' }] }],
  ['An expired token', 401, 401, ...REFUSED.invalidToken],
  ['A token without the items:read scope', 403, 403, ...REFUSED.insufficientScope('items:read')],
  ['No token', 401, 401, ...REFUSED.noToken],
];

/**
 * Checks a store example that serves the items API alone: its curl lines answer as they say, its revoke
 * line answers 204, and the valid token is refused at once after it (these stores have no cache).
 */
export async function expectItemsApiAndRevocation(output: string): Promise<void> {
  expect(await answerCurlLines(output)).toEqual(ITEMS_API_ANSWERS);
  expect(await answerMethodCurlLines(output)).toEqual([['Revoke the valid token', 204, 'DELETE', 204, null, null]]);
  expect((await answerCurlLines(output))[0]).toEqual(['A valid token', 200, 401, ...REFUSED.invalidToken]);
}

/** The bearer tokens in `output`'s curl lines, each once, in the order printed. */
export function printedTokens(output: string): string[] {
  return [...new Set(Array.from(output.matchAll(/Bearer (\S+)'/g), (match) => match[1] as string))];
}

/**
 * Starts an example (see {@link startExample}) when a test asks, for examples whose arguments are known
 * only then (the URL of a server a `beforeAll` started); stops in `afterAll` those still running.
 */
export function exampleStarter(script: string): (options?: Parameters<typeof startExample>[1]) => ReturnType<typeof startExample> {
  const children: ChildProcessWithoutNullStreams[] = [];
  afterAll(() => Promise.all(children.map((child) => stopExample(child))));
  return async (options) => {
    const started = await startExample(script, options);
    children.push(started.child);
    return started;
  };
}
