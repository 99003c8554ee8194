import { MemoryReplayStore } from '../../src/index.js';

// The default DPoP replay store (RFC 9449 §11.1): bounded, expiring by the guard's clock.

describe('MemoryReplayStore', () => {
  it('answers false the first time and true while the proof lives; false again after it expires', () => {
    let now = 1_000;
    const store = new MemoryReplayStore({ clock: () => now });
    expect([store.seen('a', 2_000), store.seen('a', 2_000), store.seen('b', 2_000), store.size]).toEqual([false, true, false, 2]);
    now = 2_000;
    expect(store.seen('a', 3_000)).toBe(false);
    expect(store.seen('a', 3_000)).toBe(true);
  });

  it('holds at most max proofs, and warns once when it drops one still alive', () => {
    const warnings: Array<[string, unknown]> = [];
    const spy = jest.spyOn(process, 'emitWarning').mockImplementation(((message: string, options: { code?: unknown }) => {
      warnings.push([message, options.code]);
    }) as typeof process.emitWarning);
    try {
      let now = 0;
      const store = new MemoryReplayStore({ max: 2, clock: () => now });
      store.seen('old', 10);
      now = 20;
      store.seen('a', 100);
      store.seen('b', 100);
      expect(warnings).toEqual([]);
      store.seen('c', 100);
      store.seen('d', 100);
      expect(store.size).toBe(2);
      expect(warnings).toEqual([
        [
          'MemoryReplayStore: full (max 2); a DPoP proof still inside its window was dropped and could be replayed. Raise max, or share a RedisReplayStore between instances.',
          'TOKEN_GUARD_REPLAY_STORE_FULL',
        ],
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  it('checks its options, naming them', () => {
    expect(() => new MemoryReplayStore({ max: 0 })).toThrow('MemoryReplayStore: options.max must be a whole number, 1 or more');
    expect(() => new MemoryReplayStore({ clock: 1 } as never)).toThrow('MemoryReplayStore: options.clock must be a function');
    expect(() => new MemoryReplayStore({ maxSize: 1 } as never)).toThrow('MemoryReplayStore: unknown option "maxSize" (it takes max, clock)');
  });
});
