import { invalidArgType, invalidArgValue } from './arg-errors.js';
import { RECORD_FIELDS, copyRecord, findRecordProblem, type AccessToken } from './record.js';

const SNAKE_CASE = new Map(RECORD_FIELDS.map((field) => [field, field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)]));

/**
 * Turns one parsed JSON object describing an access token into an {@link AccessToken}: in Authlete's
 * camelCase spelling (`accessTokenHash`, as on its JSON API) or the Ruby SDK's snake_case spelling
 * (`access_token_hash`). Use it to import records exported from an authorization server.
 *
 * - `null` means absent; every other value must have its field's type: numbers must be JSON
 *   numbers (not numeric strings) and integers, and a `clientId` beyond 2^53-1 is refused, since it
 *   cannot be represented exactly.
 * - A field given in both spellings is refused. Fields it does not know are dropped, a raw
 *   `accessToken` among them: only hashes are kept.
 * - It does not require `accessTokenHash`; the store's `save` does.
 *
 * Throws a `TypeError` naming the field as it was spelt in `value`.
 *
 * @example
 * parseAccessToken(JSON.parse('{"access_token_hash":"…","access_token_expires_at":1767268800000,"scopes":["read"]}'))
 */
export function parseAccessToken(value: unknown): AccessToken {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgType('parseAccessToken: value must be an object');
  }
  const input = value as Record<string, unknown>;
  const record: Record<string, unknown> = {};
  const spelling = new Map<string, string>();
  for (const field of RECORD_FIELDS) {
    const snake = SNAKE_CASE.get(field) as string;
    const camelValue = input[field];
    const snakeValue = snake === field ? undefined : input[snake];
    if (camelValue != null && snakeValue != null) {
      throw invalidArgValue(`parseAccessToken: ${field} and ${snake} are both given`);
    }
    const given = camelValue ?? snakeValue;
    if (given == null) continue;
    spelling.set(field, camelValue != null ? field : snake);
    record[field] = field === 'properties' && Array.isArray(given) ? given.map(normalizeProperty) : given;
  }
  const problem = findRecordProblem(record);
  if (problem !== undefined) {
    throw invalidArgType(`parseAccessToken: ${spelling.get(problem.field) ?? problem.field} must be ${problem.expected}`);
  }
  return copyRecord(record as AccessToken);
}

function normalizeProperty(property: unknown): unknown {
  if (typeof property !== 'object' || property === null) return property;
  const { hidden, ...rest } = property as Record<string, unknown>;
  return hidden === null ? rest : property;
}
