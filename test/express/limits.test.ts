import type { Server } from 'node:http';
import { fixtureApp, flavours } from '../helpers/apps.js';
import { C, T_OK } from '../helpers/fixtures.js';
import { listen, rawRequest } from '../helpers/http.js';

describe.each(flavours)('bad input and limits on $name', ({ express }) => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((server) => server.close()));

  async function start(options: Parameters<typeof listen>[1] = {}): Promise<Server> {
    const server = await listen(fixtureApp(express), options);
    servers.push(server);
    return server;
  }

  it('a 16 KB Authorization header is stopped by Node (431) and the server stays up', async () => {
    const server = await start();
    const res = await rawRequest(server, ['GET /r HTTP/1.1', `Authorization: Bearer ${'a'.repeat(16 * 1024)}`]);
    expect(res.status).toBe(431);
    expect((await rawRequest(server, ['GET /r HTTP/1.1', `Authorization: Bearer ${T_OK}`])).status).toBe(200);
  });

  it('a 16 KB token that reaches the guard (larger maxHeaderSize) is 401 invalid_token', async () => {
    const server = await start({ maxHeaderSize: 64 * 1024 });
    const res = await rawRequest(server, ['GET /r HTTP/1.1', `Authorization: Bearer ${'a'.repeat(16 * 1024)}`]);
    expect([res.status, res.header('www-authenticate'), res.header('cache-control')]).toEqual([401, C.invalidToken, 'no-store']);
  });

  it('a 16 KB value that is not a b64token is 400', async () => {
    const server = await start({ maxHeaderSize: 64 * 1024 });
    const res = await rawRequest(server, ['GET /r HTTP/1.1', `Authorization: Bearer ${'a;'.repeat(8 * 1024)}`]);
    expect([res.status, res.header('www-authenticate')]).toEqual([400, C.malformed]);
  });

  it('every byte from 0x80 to 0xFF in a token is 400, and the server stays up', async () => {
    const server = await start();
    for (let byte = 0x80; byte <= 0xff; byte += 1) {
      const head = `GET /r HTTP/1.1\r\nAuthorization: Bearer ab${String.fromCharCode(byte)}cd`;
      const res = await rawRequest(server, head.split('\r\n'));
      expect([byte, res.status, res.header('www-authenticate')]).toEqual([byte, 400, C.malformed]);
    }
    expect((await rawRequest(server, ['GET /r HTTP/1.1', `Authorization: Bearer ${T_OK}`])).status).toBe(200);
  });

  it('control characters that Node refuses never reach the guard, and the server stays up', async () => {
    const server = await start();
    const res = await rawRequest(server, ['GET /r HTTP/1.1', 'Authorization: Bearer a\u0000b']);
    expect(res.status).toBe(400);
    expect(res.header('www-authenticate')).toBeUndefined();
    expect((await rawRequest(server, ['GET /r HTTP/1.1', `Authorization: Bearer ${T_OK}`])).status).toBe(200);
  });
});
