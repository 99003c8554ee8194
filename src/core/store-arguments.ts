import { invalidArgType } from './arg-errors.js';
import { checkRecord, type AccessToken } from './record.js';

/** Checks the records of a `saveMany` call; see {@link checkRecord}. `what` names the method. */
export function checkRecords(what: string, records: unknown): AccessToken[] {
  if (!Array.isArray(records)) throw invalidArgType(`${what}: records must be an array of AccessToken records`);
  return records.map((record, i) => checkRecord(record, `${what}: records[${i}]`));
}

/** Checks a hash argument. */
export function checkHash(what: string, hash: unknown): string {
  if (typeof hash !== 'string') throw invalidArgType(`${what}: hash must be a string`);
  return hash;
}

/** Checks a subject argument. */
export function checkSubject(what: string, subject: unknown): string {
  if (typeof subject !== 'string') throw invalidArgType(`${what}: subject must be a string`);
  return subject;
}

/** Checks a client id argument: an integer no larger than 2^53-1. */
export function checkClientId(what: string, clientId: unknown): number {
  if (!Number.isSafeInteger(clientId)) throw invalidArgType(`${what}: clientId must be an integer no larger than 2^53-1`);
  return clientId as number;
}

/** Checks the optional `now` of `deleteExpired`, defaulting to the current time. */
export function checkNow(what: string, now: unknown): number {
  if (now === undefined) return Date.now();
  if (!Number.isSafeInteger(now)) throw invalidArgType(`${what}: now must be an integer (ms since the epoch)`);
  return now as number;
}
