import { InsufficientScopeError } from '../../src/core/errors.js';
import { assertAllScopes, assertAnyScope, checkScopeList } from '../../src/core/scopes.js';

function refusal(action: () => void): InsufficientScopeError {
  try {
    action();
  } catch (error) {
    if (error instanceof InsufficientScopeError) return error;
    throw error;
  }
  throw new Error('expected an InsufficientScopeError');
}

describe('assertAllScopes', () => {
  it('passes when every required scope is granted', () => {
    expect(() => assertAllScopes(['a', 'b', 'c'], ['c', 'a'])).not.toThrow();
    expect(() => assertAllScopes(['a'], [])).not.toThrow();
  });

  it('B-19: refuses when one is missing, listing all required', () => {
    const error = refusal(() => assertAllScopes(['a', 'b'], ['a', 'x']));
    expect(error.scope).toEqual(['a', 'x']);
    expect(error.reason).toBe('all_of');
    expect(error.status).toBe(403);
  });

  it('compares scopes exactly: case and prefixes count', () => {
    expect(refusal(() => assertAllScopes(['Read', 'reading'], ['read'])).scope).toEqual(['read']);
  });
});

describe('assertAnyScope', () => {
  it('passes when one of the scopes is granted', () => {
    expect(() => assertAnyScope(['b'], ['a', 'b'])).not.toThrow();
  });

  it('B-19: refuses when none is granted, listing the alternatives', () => {
    const error = refusal(() => assertAnyScope([], ['a', 'b']));
    expect(error.scope).toEqual(['a', 'b']);
    expect(error.reason).toBe('any_of');
  });
});

describe('checkScopeList', () => {
  const check = (scopes: unknown) => checkScopeList('requireScopes: scopes', scopes, { allowEmpty: false });

  it('returns the scopes without repeats', () => {
    expect(check(['a', 'b:c', 'a', 'https://x/y'])).toEqual(['a', 'b:c', 'https://x/y']);
  });

  it('B-23: refuses a scope with a quote', () => {
    expect(() => check(['ok', 'a"b'])).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_VALUE',
        message: `requireScopes: scopes[1] must be a non-empty scope token of printable ASCII without '"' or '\\'`,
      }),
    );
  });

  it.each([[['a\\b']], [['']], [['é']], [['a\tb']]])('B-23: refuses %j', (scopes) => {
    expect(() => check(scopes)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });

  it('explains a space-separated string', () => {
    expect(() => check(['read write'])).toThrow(
      'requireScopes: scopes[0] ("read write") holds a space; pass each scope separately',
    );
  });

  it('explains an array passed as one argument', () => {
    expect(() => check([['a', 'b']])).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_TYPE',
        message: 'requireScopes: scopes[0] is an array; pass scopes as separate strings',
      }),
    );
  });

  it('refuses non-strings, non-arrays, and an empty list unless allowed', () => {
    expect(() => check([1])).toThrow('requireScopes: scopes[0] must be a string, not number');
    expect(() => check('read')).toThrow('requireScopes: scopes must be an array of scope strings');
    expect(() => check([])).toThrow('requireScopes: scopes needs at least one scope');
    expect(checkScopeList('x', [], { allowEmpty: true })).toEqual([]);
  });
});
