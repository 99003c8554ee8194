import request from 'supertest';
import { CorruptRecordError, hashToken, type WritableTokenStore } from '../../src/index.js';
import { C, liveRecord as live } from './fixtures.js';
import { guardedApp } from './guarded-app.js';

/**
 * Saves the tokens "bad" and "good", lets `corrupt` damage the record of "bad" in the backend, and
 * checks what the store contract asks: "bad" is 401 invalid_token, "good" still works, and exactly
 * one CorruptRecordError naming `field` went to onError.
 */
export async function expectCorruptionIsolated(
  makeStore: (onError: (error: Error) => void) => WritableTokenStore | Promise<WritableTokenStore>,
  corrupt: (hash: string) => Promise<unknown> | unknown,
  field: string,
): Promise<void> {
  const errors: Error[] = [];
  const store = await makeStore((error) => errors.push(error));
  await store.saveMany([live('bad'), live('good', { subject: 'good-subject' })]);
  await corrupt(hashToken('bad'));
  const app = guardedApp(store);
  const bad = await request(app).get('/r').set('Authorization', 'Bearer bad');
  expect([bad.status, bad.headers['www-authenticate']]).toEqual([401, C.invalidToken]);
  const good = await request(app).get('/r').set('Authorization', 'Bearer good');
  expect([good.status, good.body]).toEqual([200, { subject: 'good-subject' }]);
  expect(errors).toEqual([expect.any(CorruptRecordError)]);
  expect(errors[0]).toMatchObject({ code: 'ERR_CORRUPT_RECORD', field, accessTokenHash: hashToken('bad') });
}
