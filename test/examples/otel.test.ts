import { once } from 'node:events';
import { join } from 'node:path';
import { REFUSED, answerCurlLines, exampleUnderTest, refusal, stopExample } from '../helpers/example-under-test.js';

const SERVER = join(__dirname, '../../examples/otel/server.mjs');

interface PrintedSpan {
  name: string;
  attributes: Record<string, unknown>;
  status: { code: number };
  durationMs: number;
}

describe('examples/otel (OTEL_DEMO_EXPORT=json)', () => {
  // jest cannot import the example's .mjs in process (ts-jest compiles to CommonJS), so the example runs as it
  // does for a user, and its spans are read from the JSON lines it prints.
  const example = exampleUnderTest(SERVER, { env: { OTEL_DEMO_EXPORT: 'json' } });
  let stdout = '';
  beforeAll(() => {
    example.child.stdout.on('data', (chunk: string) => (stdout += chunk));
  });

  it('prints five curl lines whose outcomes are what they say', async () => {
    expect(await answerCurlLines(example.output)).toEqual([
      ['A valid token', 200, 200, null, expect.anything()],
      ['An expired token', 401, 401, ...REFUSED.invalidToken],
      ['A token the store does not know', 401, 401, ...REFUSED.invalidToken],
      ['A token without the items:read scope', 403, 403, ...REFUSED.insufficientScope('items:read')],
      ['No token', 401, 401, ...REFUSED.noToken],
    ]);
  });

  it('made one span per store lookup, in order, each as long as the lookup it records; none for no token', async () => {
    // Stopping the example closes its stdout: every span it printed has arrived, and no other will.
    const closed = once(example.child, 'close');
    expect(await stopExample(example.child)).toBe(0);
    await closed;
    const spans = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as PrintedSpan);
    const lookup = (outcome: string) => ({
      name: 'token-store lookup',
      attributes: { 'token_store.name': 'MemoryTokenStore', 'token_store.outcome': outcome, 'token_store.duration_ms': expect.any(Number) },
      status: { code: 0 },
      durationMs: expect.any(Number),
    });
    expect(spans).toEqual([lookup('found'), lookup('found'), lookup('not_found'), lookup('found')]);
    for (const { attributes, durationMs } of spans) {
      expect(durationMs).toBeGreaterThan(0);
      // The span's own times come from the message's durationMs, to the nanosecond the SDK keeps.
      expect(Math.abs(durationMs - (attributes['token_store.duration_ms'] as number))).toBeLessThan(1e-5);
    }
  });

  it('refuses an OTEL_DEMO_EXPORT it does not know, naming it, with a non-zero exit', () => {
    expect(refusal(SERVER, { env: { OTEL_DEMO_EXPORT: 'otlp' } })).toEqual([
      2,
      'OTEL_DEMO_EXPORT must be "json" or unset, not "otlp"',
      'usage: [OTEL_DEMO_EXPORT=json] node examples/otel/server.mjs',
    ]);
  });
});
