import { join } from 'node:path';
import { REFUSED, answerCurlLines, exampleUnderTest, stopExample } from '../helpers/example-under-test.js';

const SERVER = join(__dirname, '../../examples/metrics/server.mjs');

/** The samples of a Prometheus text exposition, `name{labels}` → value, without the `_bucket` lines. */
function samples(exposition: string): Record<string, number> {
  const lines = exposition.split('\n').filter((line) => line !== '' && !line.startsWith('#') && !line.includes('_bucket{'));
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))]));
}

describe('examples/metrics', () => {
  const example = exampleUnderTest(SERVER);

  async function scrape(): Promise<Record<string, number>> {
    const [, origin] = /listening on (http:\/\/\S+)\/api\/items/.exec(example.output) as RegExpExecArray;
    const res = await fetch(`${origin}/metrics`);
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/plain; version=0.0.4; charset=utf-8']);
    return samples(await res.text());
  }

  /** Everything but the latency sums, which vary; they are checked to be positive. */
  function withoutSums(scraped: Record<string, number>): Record<string, number> {
    const sums = Object.entries(scraped).filter(([name]) => name.includes('_sum{'));
    for (const [, value] of sums) expect(value).toBeGreaterThan(0);
    return Object.fromEntries(Object.entries(scraped).filter(([name]) => !name.includes('_sum{')));
  }

  it('prints six curl lines whose outcomes are what they say', async () => {
    expect(await answerCurlLines(example.output)).toEqual([
      ['A valid token', 200, 200, null, expect.anything()],
      ['The same token again', 200, 200, null, expect.anything()],
      ['An expired token', 401, 401, ...REFUSED.invalidToken],
      ['A token the store does not know', 401, 401, ...REFUSED.invalidToken],
      ['A token without the items:read scope', 403, 403, ...REFUSED.insufficientScope('items:read')],
      ['No token', 401, 401, ...REFUSED.noToken],
    ]);
  });

  it('counts those requests on /metrics: decisions, store lookups, cache events and the hit ratio', async () => {
    // Store lookups: the valid token's first request, the expired one and the unknown one (neither is cached),
    // and the read-only one; the second valid request is a cache hit. The read-only token is accepted by the
    // guard, then refused by requireScopes (reason all_of): two decisions.
    expect(withoutSums(await scrape())).toEqual({
      'token_guard_decisions_total{outcome="accepted",reason="accepted"}': 3,
      'token_guard_decisions_total{outcome="refused",reason="expired"}': 1,
      'token_guard_decisions_total{outcome="refused",reason="unknown"}': 1,
      'token_guard_decisions_total{outcome="refused",reason="all_of"}': 1,
      'token_guard_decisions_total{outcome="refused",reason="missing"}': 1,
      'token_guard_store_lookup_duration_seconds_count{store="MemoryTokenStore",outcome="found"}': 3,
      'token_guard_store_lookup_duration_seconds_count{store="MemoryTokenStore",outcome="not_found"}': 1,
      'token_guard_cache_events_total{event="miss"}': 4,
      'token_guard_cache_events_total{event="hit"}': 1,
      token_guard_cache_hit_ratio: 0.2,
    });
  });

  it('counts the same lines asked again: the valid and read-only tokens now come from the cache', async () => {
    await answerCurlLines(example.output);
    expect(withoutSums(await scrape())).toEqual({
      'token_guard_decisions_total{outcome="accepted",reason="accepted"}': 6,
      'token_guard_decisions_total{outcome="refused",reason="expired"}': 2,
      'token_guard_decisions_total{outcome="refused",reason="unknown"}': 2,
      'token_guard_decisions_total{outcome="refused",reason="all_of"}': 2,
      'token_guard_decisions_total{outcome="refused",reason="missing"}': 2,
      'token_guard_store_lookup_duration_seconds_count{store="MemoryTokenStore",outcome="found"}': 4,
      'token_guard_store_lookup_duration_seconds_count{store="MemoryTokenStore",outcome="not_found"}': 2,
      'token_guard_cache_events_total{event="miss"}': 6,
      'token_guard_cache_events_total{event="hit"}': 4,
      token_guard_cache_hit_ratio: 0.4,
    });
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await stopExample(example.child)).toBe(0);
  });
});
