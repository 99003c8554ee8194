import { authenticate } from '../../src/core/authenticate.js';
import { InsufficientScopeError, InvalidTokenError, StoreUnavailableError } from '../../src/core/errors.js';
import { hashToken } from '../../src/core/hash.js';
import { compileGuardOptions, type TokenGuardOptions } from '../../src/core/options.js';
import type { TokenStore } from '../../src/core/store.js';
import { MemoryTokenStore } from '../../src/stores/memory.js';
import { NOW, T_OK, fixtureRecords } from '../helpers/fixtures.js';

const memory = new MemoryTokenStore(fixtureRecords());
const config = (options: Partial<TokenGuardOptions> = {}) =>
  compileGuardOptions({ store: memory, clock: () => NOW, ...options });

async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('authenticate', () => {
  it('answers synchronously with the memory store and the default hash', () => {
    const info = authenticate(config(), T_OK);
    expect(info).not.toBeInstanceOf(Promise);
    expect(info).toMatchObject({ subject: 'alice', scopes: ['read'] });
  });

  it('throws synchronously for an unknown token', () => {
    expect(() => authenticate(config(), 'nope')).toThrow(InvalidTokenError);
  });

  it('awaits an async store and an async hash', async () => {
    const store: TokenStore = { findByAccessTokenHash: async (hash) => memory.findByAccessTokenHash(hash) };
    const hash = async (token: string) => hashToken(token);
    const result = authenticate(config({ store, hash }), T_OK);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toMatchObject({ subject: 'alice' });
  });

  it('checks requiredScopes after expiry', async () => {
    const error = await failure(() => authenticate(config({ requiredScopes: ['read', 'admin'] }), T_OK));
    expect(error).toBeInstanceOf(InsufficientScopeError);
    expect((error as InsufficientScopeError).scope).toEqual(['read', 'admin']);
  });

  it('uses the clock of the guard for every lookup', () => {
    let now = NOW;
    const guard = config({ clock: () => now });
    expect(() => authenticate(guard, T_OK)).not.toThrow();
    now += 2 * 3_600_000;
    expect(() => authenticate(guard, T_OK)).toThrow(expect.objectContaining({ reason: 'expired' }));
  });

  const cause = new Error('db down');
  it.each<[string, Partial<TokenGuardOptions>, string]>([
    ['a store that throws', { store: { findByAccessTokenHash: () => { throw cause; } } }, 'store_failed'],
    ['a store that rejects', { store: { findByAccessTokenHash: () => Promise.reject(cause) } }, 'store_failed'],
    ['a hash that throws', { hash: () => { throw cause; } }, 'hash_failed'],
    ['a hash that rejects', { hash: () => Promise.reject(cause) }, 'hash_failed'],
  ])('I-07: %s is a StoreUnavailableError with the cause kept', async (_name, options, reason) => {
    const error = await failure(() => authenticate(config(options), T_OK));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ reason, cause, status: 503 });
  });

  it('a hash that returns a non-string is a StoreUnavailableError', async () => {
    const hash = (() => 42) as unknown as (token: string) => string;
    const error = await failure(() => authenticate(config({ hash }), T_OK));
    expect(error).toMatchObject({ reason: 'hash_failed', cause: new TypeError('options.hash must return a string') });
  });

  it('passes the hash, never the token, to the store', async () => {
    const seen: string[] = [];
    const store: TokenStore = {
      findByAccessTokenHash: (hash) => {
        seen.push(hash);
        return undefined;
      },
    };
    await failure(() => authenticate(config({ store }), T_OK));
    expect(seen).toEqual([hashToken(T_OK)]);
  });
});
