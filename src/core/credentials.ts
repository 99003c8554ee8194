import { InvalidRequestError, type InvalidRequestReason } from './errors.js';

// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" (RFC 6750 §2.1)
const B64TOKEN = charTable('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/');
// tchar (RFC 9110 §5.6.2): a scheme name continues while these follow
const TCHAR = charTable("!#$%&'*+-.^_`|~ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
const SP = 0x20;
const HTAB = 0x09;
const EQUALS = 0x3d;
const BEARER = 'bearer';
const DPOP = 'dpop';
// The shape almost every request has, tested by one regular expression (faster here than a scan); any
// other value takes the scan in parseAuthorization, which decides between another scheme and a 400.
const PLAIN_BEARER = /^[Bb][Ee][Aa][Rr][Ee][Rr] +[A-Za-z0-9\-._~+/]+=*$/;

function charTable(chars: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = 1;
  return table;
}

function inTable(table: Uint8Array, code: number): boolean {
  return code < 128 && table[code] === 1;
}

/** True when `value` from `start` up to `end` is an RFC 6750 `b64token`. */
export function isB64Token(value: string, start = 0, end = value.length): boolean {
  let i = start;
  while (i < end && inTable(B64TOKEN, value.charCodeAt(i))) i++;
  if (i === start) return false;
  while (i < end && value.charCodeAt(i) === EQUALS) i++;
  return i === end;
}

/**
 * Reads one `Authorization` field value (RFC 6750 §2.1, RFC 9110 §11.6.2).
 *
 * Leading and trailing SP/HTAB are not part of the value. The scheme `Bearer` is matched without
 * regard to case and must be followed by one or more SP and a `b64token`, which is returned exactly
 * as sent (tokens are case-sensitive). Returns `undefined` when the value is empty or uses another
 * scheme (`Basic …`, `Bearer2 …`). Throws {@link InvalidRequestError} (`malformed_authorization`)
 * for a Bearer credential that is anything else: no token, a TAB separator, a second word, an
 * auth-param list, characters outside `b64token`, or `=` before the end.
 */
export function parseAuthorization(value: string): string | undefined {
  if (PLAIN_BEARER.test(value)) {
    let i = BEARER.length + 1;
    while (value.charCodeAt(i) === SP) i++;
    return value.slice(i);
  }
  return parseCredential(value, BEARER, 'malformed_authorization');
}

/**
 * Reads an `Authorization: DPoP <token>` value (RFC 9449 §7.1) as {@link parseAuthorization} reads
 * a Bearer one: the `token68` is returned exactly as sent, `undefined` means another scheme, and a
 * DPoP credential that is anything else throws {@link InvalidRequestError} (`malformed_dpop_authorization`).
 */
export function parseDpopAuthorization(value: string): string | undefined {
  return parseCredential(value, DPOP, 'malformed_dpop_authorization');
}

function parseCredential(value: string, scheme: string, malformed: InvalidRequestReason): string | undefined {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  if (end - start < scheme.length) return undefined;
  for (let i = 0; i < scheme.length; i++) {
    if ((value.charCodeAt(start + i) | 0x20) !== scheme.charCodeAt(i)) return undefined;
  }
  let i = start + scheme.length;
  if (i < end && inTable(TCHAR, value.charCodeAt(i))) return undefined;
  if (i === end || value.charCodeAt(i) !== SP) throw new InvalidRequestError(malformed);
  while (i < end && value.charCodeAt(i) === SP) i++;
  if (!isB64Token(value, i, end)) throw new InvalidRequestError(malformed);
  return value.slice(i, end);
}

function isOws(code: number): boolean {
  return code === SP || code === HTAB;
}

/**
 * True when `rawHeaders` (Node's `[name, value, name, value, …]` list) holds more than one
 * `Authorization` line. Node keeps only the first in `req.headers`, so the raw list is the only
 * place a repeat shows (RFC 9110 §5.3: `Authorization` is a singleton field).
 */
export function hasRepeatedAuthorization(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (
      name.length === 13 &&
      (name === 'Authorization' || name === 'authorization' || name.toLowerCase() === 'authorization')
    ) {
      if (seen) return true;
      seen = true;
    }
  }
  return false;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The `access_token` form parameter of a request body, when RFC 6750 §2.2 lets it count: a method
 * whose body has defined semantics (POST, PUT, PATCH; never GET), a media type of
 * `application/x-www-form-urlencoded` (any case, parameters allowed), and a body already parsed
 * into an object. Anything else, a JSON body included, yields `undefined`.
 */
export function formBodyParameter(method: string, contentType: string | undefined, body: unknown): unknown {
  if (!BODY_METHODS.has(method) || contentType === undefined || typeof body !== 'object' || body === null) {
    return undefined;
  }
  const semicolon = contentType.indexOf(';');
  const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') return undefined;
  return Object.hasOwn(body, 'access_token') ? (body as Record<string, unknown>)['access_token'] : undefined;
}

/** The `access_token` parameter of a parsed query object, or `undefined`. */
export function queryParameter(query: unknown): unknown {
  if (typeof query !== 'object' || query === null || !Object.hasOwn(query, 'access_token')) return undefined;
  return (query as Record<string, unknown>)['access_token'];
}

/**
 * Picks the one token a request presents: the `Authorization` header's, the form body's or the
 * query's (`bodyParameter` and `queryParameter` are `undefined` when that method is off or absent).
 *
 * Throws {@link InvalidRequestError}: `repeated_authorization` for two `Authorization` lines,
 * `multiple_methods` when a token arrives by more than one method (RFC 6750 §2), and
 * `repeated_parameter` or `malformed_parameter` for an `access_token` parameter that was repeated
 * or is not a `b64token`. Returns `undefined` when there are no bearer credentials at all.
 */
export function selectToken(
  authorization: string | undefined,
  rawHeaders: readonly string[],
  bodyParameter: unknown,
  queryParameter: unknown,
): string | undefined {
  let token: string | undefined;
  if (authorization !== undefined) {
    if (hasRepeatedAuthorization(rawHeaders)) throw new InvalidRequestError('repeated_authorization');
    token = parseAuthorization(authorization);
  }
  if (bodyParameter !== undefined) {
    if (token !== undefined) throw new InvalidRequestError('multiple_methods');
    token = checkParameter(bodyParameter);
  }
  if (queryParameter !== undefined) {
    if (token !== undefined) throw new InvalidRequestError('multiple_methods');
    token = checkParameter(queryParameter);
  }
  return token;
}

function checkParameter(value: unknown): string {
  if (typeof value === 'string') {
    if (isB64Token(value)) return value;
    throw new InvalidRequestError('malformed_parameter');
  }
  throw new InvalidRequestError(Array.isArray(value) ? 'repeated_parameter' : 'malformed_parameter');
}
