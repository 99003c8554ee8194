import { inspect } from 'node:util';
import {
  AuthError,
  CredentialsRequiredError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  StoreUnavailableError,
  isAuthError,
} from '../../src/core/errors.js';

describe('AuthError subclasses', () => {
  it.each([
    [new InvalidRequestError('multiple_methods'), 'InvalidRequestError', 'ERR_INVALID_REQUEST', 400, 'invalid_request'],
    [new CredentialsRequiredError('missing'), 'CredentialsRequiredError', 'ERR_CREDENTIALS_REQUIRED', 401, undefined],
    [new InvalidTokenError('expired'), 'InvalidTokenError', 'ERR_INVALID_TOKEN', 401, 'invalid_token'],
    [new InsufficientScopeError(['a'], 'all_of'), 'InsufficientScopeError', 'ERR_INSUFFICIENT_SCOPE', 403, 'insufficient_scope'],
    [new StoreUnavailableError('store_failed'), 'StoreUnavailableError', 'ERR_STORE_UNAVAILABLE', 503, undefined],
  ])('%s carries name, code, status and error', (error, name, code, status, bearerError) => {
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toBeInstanceOf(Error);
    expect(isAuthError(error)).toBe(true);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.statusCode).toBe(status);
    expect(error.error).toBe(bearerError);
    expect(error.expose).toBe(true);
    expect(error.stack?.startsWith(`${name}: ${error.message}\n`)).toBe(true);
  });

  it('X-03: renders the JSON body', () => {
    expect(JSON.parse(JSON.stringify(new InvalidTokenError('unknown')))).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid or has expired',
    });
    expect(new CredentialsRequiredError('missing').toJSON()).toEqual({
      error: 'unauthorized',
      error_description: 'This resource requires a bearer access token',
    });
    expect(new StoreUnavailableError('hash_failed').toJSON()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'The token store is unavailable',
    });
  });

  it('keeps the store error as cause but out of the message and stack', () => {
    const cause = new Error('connection refused at db.internal:5432');
    const error = new StoreUnavailableError('store_failed', { cause });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('The token store is unavailable');
    expect(error.stack).not.toContain('db.internal');
  });

  it('says the same to the client for every invalid_token reason; the reason is on the object', () => {
    const unknown = new InvalidTokenError('unknown');
    const malformed = new InvalidTokenError('malformed_record', 'scopes');
    expect(unknown.message).toBe(malformed.message);
    expect(malformed.reason).toBe('malformed_record');
    expect(malformed.field).toBe('scopes');
    expect(inspect(malformed)).toContain("reason: 'malformed_record'");
  });

  it('isAuthError is false for other values and true across copies of the package', () => {
    expect(isAuthError(new Error('x'))).toBe(false);
    expect(isAuthError(null)).toBe(false);
    expect(isAuthError({ status: 401 })).toBe(false);
    const foreign = Object.assign(new Error('x'), { [Symbol.for('express-token-guard.AuthError')]: true });
    expect(isAuthError(foreign)).toBe(true);
  });
});
