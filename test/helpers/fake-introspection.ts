import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received, in arrival order. */
export interface IntrospectionCall {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body as received. It holds the raw token: keep it to tests. */
  readonly body: string;
}

/** What a test may make the fake answer instead of what it would answer itself. */
export type IntrospectionReply =
  /** A status and a raw body, possibly late; `onSent` runs once it has been written. */
  | {
      readonly status: number;
      readonly body: string;
      readonly delayMs?: number;
      readonly onSent?: () => void;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** A 200 that announces `declaredLength` bytes, sends `body`, then drops the connection. */
  | { readonly truncated: string; readonly declaredLength: number }
  /** No answer at all, until the client gives up or the fake closes. */
  | { readonly hang: true };

export interface FakeIntrospectionOptions {
  /** The client the fake accepts with HTTP Basic (RFC 6749 §2.3.1). */
  clientId: string;
  clientSecret: string;
  /** An `Authorization` value it accepts as well, as is (e.g. `Bearer …`). */
  bearer?: string;
}

/** A running RFC 7662 introspection endpoint on 127.0.0.1. */
export interface FakeIntrospection {
  /** `http://127.0.0.1:<port>/introspect`. */
  readonly endpoint: string;
  /** Each known token and the members of its answer besides `"active": true` (which they may override). */
  readonly tokens: Map<string, Record<string, unknown>>;
  /** Every request, in arrival order. */
  readonly calls: IntrospectionCall[];
  /** Looks at every call first: return a reply to answer it yourself, `undefined` to let the fake answer. */
  intercept: ((call: IntrospectionCall) => IntrospectionReply | undefined) | undefined;
  close(): Promise<void>;
}

/**
 * An RFC 7662 §2 introspection endpoint: `POST /introspect`, client authentication with HTTP Basic
 * (id and secret form-urlencoded, then base64) or the configured `bearer`, a form body with `token`
 * (and an optional `token_type_hint`). A known token is `{ "active": true, … }`, any other token
 * `{ "active": false }`; a bad client is 401 `invalid_client`, a bad request 400 `invalid_request`.
 * It decodes what it receives itself rather than re-encoding the expected credentials, so a wrong
 * encoding on the client's side fails.
 */
export async function startFakeIntrospection(options: FakeIntrospectionOptions): Promise<FakeIntrospection> {
  const calls: IntrospectionCall[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => {
        const call: IntrospectionCall = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
        calls.push(call);
        const reply = fake.intercept?.(call) ?? answer(call);
        if ('hang' in reply) return;
        if ('truncated' in reply) {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(reply.declaredLength) });
          res.write(reply.truncated, () => res.socket?.destroy());
          return;
        }
        const send = () => {
          timers.delete(timer);
          res.writeHead(reply.status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...reply.headers }).end(reply.body);
          reply.onSent?.();
        };
        const timer = setTimeout(send, reply.delayMs ?? 0);
        timers.add(timer);
      },
      () => res.destroy(),
    );
  });

  function answer(call: IntrospectionCall): IntrospectionReply {
    if (call.path !== '/introspect') return json(404, { error: 'not_found' });
    if (call.method !== 'POST') return json(405, { error: 'invalid_request' });
    if (!authenticated(call.headers.authorization)) return json(401, { error: 'invalid_client' });
    if (call.headers['content-type']?.split(';')[0]?.trim().toLowerCase() !== 'application/x-www-form-urlencoded') {
      return json(400, { error: 'invalid_request' });
    }
    const form = new URLSearchParams(call.body);
    const [token, ...more] = form.getAll('token');
    if (token === undefined || token === '' || more.length > 0) return json(400, { error: 'invalid_request' });
    const claims = fake.tokens.get(token);
    return claims === undefined ? json(200, { active: false }) : json(200, { active: true, ...claims });
  }

  function authenticated(authorization: string | undefined): boolean {
    if (authorization === undefined) return false;
    if (options.bearer !== undefined && authorization === options.bearer) return true;
    const match = /^Basic ([A-Za-z0-9+/]+=*)$/.exec(authorization);
    if (match === null) return false;
    const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
    try {
      return formDecode(decoded.slice(0, colon)) === options.clientId && formDecode(decoded.slice(colon + 1)) === options.clientSecret;
    } catch {
      return false;
    }
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const fake: FakeIntrospection = {
    endpoint: `http://127.0.0.1:${port}/introspect`,
    tokens: new Map(),
    calls,
    intercept: undefined,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  return fake;
}

/** A reply with `body` as JSON (or as is, when it is a string). */
export function json(status: number, body: unknown, more: { delayMs?: number; onSent?: () => void } = {}): IntrospectionReply {
  return { status, body: typeof body === 'string' ? body : JSON.stringify(body), ...more };
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  req.setEncoding('utf8');
  for await (const chunk of req) text += chunk as string;
  return text;
}
