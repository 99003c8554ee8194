import { request } from 'node:http';
import { REFUSED } from './example-under-test.js';

/** The three tokens a server under {@link httpCases} is seeded with; the subject of `valid` is `alice`. */
export interface CaseTokens {
  /** Carries scope `read`. */
  valid: string;
  /** Valid, without scope `read`. */
  noScope: string;
  /** Expired. */
  expired: string;
}

/** One request to `GET /r` (guarded with realm "example" and required scope `read`) and its whole expected answer. */
export interface HttpCase {
  name: string;
  method: 'GET' | 'OPTIONS';
  /** The path and query. */
  target: string;
  /** Header values; an array is sent as that many lines. */
  headers: Record<string, string | string[]>;
  status: number;
  /** The exact `WWW-Authenticate`, `null` for none. */
  challenge: string | null;
  /** The JSON body, `undefined` for an empty one. */
  body: unknown;
}

/** What a server answered to one {@link HttpCase}, in the shape of its expectation. */
export type HttpAnswer = Pick<HttpCase, 'status' | 'challenge' | 'body'>;

const MALFORMED = 'The Authorization header is not a valid Bearer credential';
const REPEATED = 'The Authorization header appears more than once';

const invalidRequest = (description: string): Pick<HttpCase, 'challenge' | 'body'> => ({
  challenge: `Bearer realm="example", error="invalid_request", error_description="${description}"`,
  body: { error: 'invalid_request', error_description: description },
});

const refused = ([challenge, body]: readonly [string, unknown]): Pick<HttpCase, 'challenge' | 'body'> => ({ challenge, body });

/**
 * The one table of HTTP cases every framework's guard must answer identically (examples/node-http,
 * examples/fastify, and tokenGuard on Express).
 */
export function httpCases(tokens: CaseTokens): HttpCase[] {
  const get = (name: string, headers: HttpCase['headers'], answer: HttpAnswer): HttpCase => ({ name, method: 'GET', target: '/r', headers, ...answer });
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  return [
    get('a valid token with scope read', bearer(tokens.valid), { status: 200, challenge: null, body: { subject: 'alice' } }),
    get('no token', {}, { status: 401, ...refused(REFUSED.noToken) }),
    get('the Basic scheme', { Authorization: 'Basic YWxpY2U6c2VjcmV0' }, { status: 401, ...refused(REFUSED.noToken) }),
    get('an unknown token', bearer('unknown-token_0123456789'), { status: 401, ...refused(REFUSED.invalidToken) }),
    get('an expired token', bearer(tokens.expired), { status: 401, ...refused(REFUSED.invalidToken) }),
    get('a malformed Bearer credential (Bearer a b)', { Authorization: 'Bearer a b' }, { status: 400, ...invalidRequest(MALFORMED) }),
    get('two Authorization lines', { Authorization: [`Bearer ${tokens.valid}`, `Bearer ${tokens.valid}`] }, { status: 400, ...invalidRequest(REPEATED) }),
    get('a token without scope read', bearer(tokens.noScope), { status: 403, ...refused(REFUSED.insufficientScope('read')) }),
    { ...get('a token in the query (not accepted)', {}, { status: 401, ...refused(REFUSED.noToken) }), target: `/r?access_token=${tokens.valid}` },
    {
      name: 'a CORS preflight (let through to the route)',
      method: 'OPTIONS',
      target: '/r',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
      status: 204,
      challenge: null,
      body: undefined,
    },
  ];
}

/** Sends `httpCase` to the server at `origin` (`http://host:port`) and reads its answer. */
export async function ask(origin: string, httpCase: HttpCase): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(httpCase.target, origin), { method: httpCase.method, headers: httpCase.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const challenge = res.headers['www-authenticate'] ?? null;
        resolve({ status: res.statusCode as number, challenge, body: text === '' ? undefined : JSON.parse(text) });
      });
    });
    req.on('error', reject).end();
  });
}
