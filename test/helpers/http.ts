import { once } from 'node:events';
import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { connect, type AddressInfo } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header lines as received, names lower-cased, repeats kept. */
  headers: Array<[string, string]>;
  /** The value of a header that must appear once (fails the test when it repeats). */
  header(name: string): string | undefined;
  body: string;
}

/** Starts `app` on 127.0.0.1 on a free port; stop it with `server.close()`. */
export async function listen(app: RequestListener, options: ServerOptions = {}): Promise<Server> {
  const server = createServer(options, app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/**
 * Sends the exact bytes of a request (head lines joined with CRLF, a `Host` and
 * `Connection: close` added) and parses the answer; for what an HTTP client would not send:
 * repeated `Authorization` lines, raw non-ASCII bytes, stray whitespace.
 */
export async function rawRequest(server: Server, head: string[], body: Buffer | string = ''): Promise<RawResponse> {
  const { port } = server.address() as AddressInfo;
  const socket = connect(port, '127.0.0.1');
  const bodyBytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  const lines = [...head, 'Host: 127.0.0.1', 'Connection: close'];
  if (bodyBytes.length > 0) lines.push(`Content-Length: ${bodyBytes.length}`);
  socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), bodyBytes]));
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'close');
  const text = Buffer.concat(chunks).toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n');
  const headers = headerLines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    header(name) {
      const values = headers.filter(([n]) => n === name).map(([, v]) => v);
      if (values.length > 1) throw new Error(`${name} appears ${values.length} times`);
      return values[0];
    },
    body: text.slice(split + 4),
  };
}
