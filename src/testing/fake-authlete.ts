import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessToken } from '../core/record.js';

/** One request the fake received, in arrival order. */
export interface FakeAuthleteCall {
  /** The HTTP method, e.g. `POST` for introspection, `GET` for the token list. */
  readonly method: string;
  /** The path with its query string, e.g. `/api/1234/auth/token/get/list?start=0&end=20`. */
  readonly path: string;
  /** The parsed JSON body (introspection: `{ token }`), or `undefined` when there was none. */
  readonly body: unknown;
}

/**
 * What `intercept` may answer instead of the fake: a status and a raw body (after `delayMs`; with
 * `truncated`, the connection is cut halfway through the body), or no answer at all.
 */
export type FakeAuthleteReply =
  | {
      /** The HTTP status to answer with. */
      readonly status: number;
      /** The body, sent as it is with `Content-Type: application/json;charset=UTF-8` (it need not be JSON). */
      readonly body: string;
      /** How long to wait before answering, in ms. Default: answer at once. */
      readonly delayMs?: number;
      /** `true`: send the headers and the first half of the body, then cut the connection. Default `false`. */
      readonly truncated?: boolean;
    }
  | {
      /** Never answer: the request stays open until the client gives up or `close()` is called. */
      readonly hang: true;
    };

/** Options of {@link startFakeAuthlete}. */
export interface FakeAuthleteOptions {
  /** Each raw token and its record. Records may be added and removed while the fake runs. */
  tokens: Record<string, AccessToken>;
  /** The service id in the URLs. Default `"1234567890"`. */
  serviceId?: string;
  /** The service access token the fake accepts. Default `"fake-service-access-token"`. */
  accessToken?: string;
  /** The time, ms since the epoch, for expiry. Default `Date.now`. */
  clock?: () => number;
  /**
   * Looks at every call first: return a reply to answer it yourself (a 500, a truncated body, an
   * answer that never comes), or `undefined` to let the fake answer as Authlete does.
   */
  intercept?: (call: FakeAuthleteCall) => FakeAuthleteReply | undefined;
}

/** A running fake: the options to give `authleteStore` and `syncFromAuthlete`, and what it saw. */
export interface FakeAuthlete {
  /** `http://127.0.0.1:{port}`, the fake's API base URL (loopback, so `http:` is accepted). */
  readonly baseUrl: string;
  /** The service id the fake answers for (`options.serviceId`, or `"1234567890"`). */
  readonly serviceId: string;
  /** The service access token the fake accepts (`options.accessToken`, or `"fake-service-access-token"`). */
  readonly accessToken: string;
  /** Every request, in arrival order. The introspection bodies hold raw tokens: keep them to tests. */
  readonly calls: FakeAuthleteCall[];
  /** Cuts every open connection, `hang` replies included, and stops the server; resolves once it has closed. */
  close(): Promise<void>;
}

/**
 * An Authlete API v3 on 127.0.0.1 and a free port, for testing an API offline: it answers
 * `POST /api/{serviceId}/auth/introspection` and `GET /api/{serviceId}/auth/token/get/list` from
 * `tokens`, as Authlete documents them (`action`, `resultCode`, `resultMessage`; a 401 with a
 * `resultCode` for a wrong service access token). The result codes are illustrative.
 *
 * @example
 * const fake = await startFakeAuthlete({ tokens: { 'demo-token': { accessTokenExpiresAt: Date.now() + 3_600_000, subject: 'alice', scopes: ['items:read'] } } });
 * const store = authleteStore({ baseUrl: fake.baseUrl, serviceId: fake.serviceId, accessToken: fake.accessToken });
 * // …
 * await fake.close();
 */
export async function startFakeAuthlete(options: FakeAuthleteOptions): Promise<FakeAuthlete> {
  const { tokens, serviceId = '1234567890', accessToken = 'fake-service-access-token', clock = Date.now, intercept } = options;
  const calls: FakeAuthleteCall[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    readBody(req).then(
      (text) => {
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          body = text;
        }
        const call: FakeAuthleteCall = { method: req.method ?? 'GET', path: req.url ?? '/', body };
        calls.push(call);
        const reply = intercept?.(call) ?? answer(call, req.headers.authorization);
        if ('hang' in reply) {
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return;
        }
        const send = () => {
          const bytes = Buffer.from(reply.body);
          res.writeHead(reply.status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': bytes.length });
          if (reply.truncated !== true) res.end(bytes);
          else res.write(bytes.subarray(0, bytes.length >> 1), () => res.destroy());
        };
        if (reply.delayMs === undefined) send();
        else setTimeout(send, reply.delayMs);
      },
      () => res.destroy(),
    );
  });

  function answer(call: FakeAuthleteCall, authorization: string | undefined): FakeAuthleteReply {
    if (authorization !== `Bearer ${accessToken}`) {
      return json(401, { resultCode: 'A001202', resultMessage: '[A001202] Authorization failed. The access token of the service is invalid.' });
    }
    const url = new URL(call.path, 'http://fake');
    if (call.method === 'POST' && url.pathname === `/api/${serviceId}/auth/introspection`) return introspect(call.body);
    if (call.method === 'GET' && url.pathname === `/api/${serviceId}/auth/token/get/list`) return list(url.searchParams);
    return json(404, { resultCode: 'A000404', resultMessage: `[A000404] No such API: ${call.method} ${url.pathname}` });
  }

  function introspect(body: unknown): FakeAuthleteReply {
    const token = (body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token === '') {
      return json(200, { action: 'BAD_REQUEST', resultCode: 'A056001', resultMessage: '[A056001] The request does not contain a token.' });
    }
    const record = Object.prototype.hasOwnProperty.call(tokens, token) ? tokens[token] : undefined;
    if (record === undefined) {
      return json(200, { action: 'UNAUTHORIZED', resultCode: 'A056201', resultMessage: '[A056201] The access token does not exist.', existent: false, usable: false });
    }
    const usable = (record.accessTokenExpiresAt ?? 0) > clock();
    const fields = {
      clientId: record.clientId ?? null,
      subject: record.subject ?? null,
      scopes: record.scopes ?? null,
      expiresAt: record.accessTokenExpiresAt ?? 0,
      grantType: record.grantType ?? null,
      properties: record.properties ?? null,
      existent: true,
      usable,
      sufficient: usable,
      refreshable: (record.refreshTokenExpiresAt ?? 0) > clock(),
    };
    if (!usable) return json(200, { action: 'UNAUTHORIZED', resultCode: 'A056202', resultMessage: '[A056202] The access token has expired.', ...fields });
    return json(200, { action: 'OK', resultCode: 'A056001', resultMessage: '[A056001] The access token is valid.', ...fields });
  }

  function list(query: URLSearchParams): FakeAuthleteReply {
    const start = Number(query.get('start') ?? 0);
    const end = Number(query.get('end') ?? 5);
    const clientIdentifier = query.get('clientIdentifier');
    const subject = query.get('subject');
    const matching = Object.values(tokens).filter(
      (record) => (clientIdentifier === null || String(record.clientId) === clientIdentifier) && (subject === null || record.subject === subject),
    );
    return json(200, {
      resultCode: 'A128001',
      resultMessage: `[A128001] Retrieved ${Math.max(0, Math.min(end, matching.length) - start)} access tokens.`,
      start,
      end,
      client: null,
      subject,
      totalCount: matching.length,
      accessTokens: matching.slice(start, end),
    });
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    serviceId,
    accessToken,
    calls,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function json(status: number, body: unknown): FakeAuthleteReply {
  return { status, body: JSON.stringify(body) };
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  req.setEncoding('utf8');
  for await (const chunk of req) text += chunk as string;
  return text;
}
