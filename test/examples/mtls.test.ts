import { X509Certificate, hash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { startExample } from '../helpers/example-process.js';
import { REFUSED, exampleUnderTest, refusal, stopExample } from '../helpers/example-under-test.js';

// examples/mtls: certificate-bound tokens (RFC 8705) over real TLS, with the client certificate and
// key the example wrote; rows M-01, M-03 and M-04 of ../shared/conformance.md, as a client meets them.

const SERVER = join(__dirname, '../../examples/mtls/server.mjs');
/** The example's curl lines, which CURL cannot read: `-k` always, then the client certificate and key where the line presents them. */
const MTLS_CURL = /^(.+) \((\d{3})[^)]*\):\n {2}curl -i -k (?:--cert '([^']+)' --key '([^']+)' )?(?:-H '([^']+)' )?(\S+)$/gm;
const FILES = /^The client certificate and its key \(deleted when the server stops\):\n {2}(\S+)\n {2}(\S+)$/m;

/** GET `url` over TLS as the curl line would, presenting the certificate and key files when given. */
async function ask(url: string, header: string | undefined, cert: string | undefined, key: string | undefined): Promise<[number, string | null, unknown]> {
  const req = request(url, {
    headers: header === undefined ? {} : { Authorization: header.replace(/^Authorization: /, '') },
    rejectUnauthorized: false,
    agent: false,
    ...(cert === undefined || key === undefined ? {} : { cert: readFileSync(cert), key: readFileSync(key) }),
  });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let body = '';
  for await (const chunk of res) body += String(chunk);
  return [res.statusCode ?? 0, (res.headers['www-authenticate'] as string | undefined) ?? null, JSON.parse(body)];
}

describe('examples/mtls', () => {
  const example = exampleUnderTest(SERVER);

  it('prints the files it wrote, and curl lines that present them and answer as they say (M-01, M-03, M-04)', async () => {
    const [, certFile, keyFile] = FILES.exec(example.output) as RegExpExecArray;
    const thumbprint = hash('sha256', new X509Certificate(readFileSync(certFile as string)).raw, 'base64url');
    const answers: unknown[] = [];
    for (const [, what, promised, cert, key, header, url] of example.output.matchAll(MTLS_CURL)) {
      answers.push([what, Number(promised), cert, key, ...(await ask(url as string, header, cert, key))]);
    }
    expect(answers).toEqual([
      [
        'The bound token with its certificate',
        200,
        certFile,
        keyFile,
        200,
        null,
        { subject: 'alice', cnf: { 'x5t#S256': thumbprint }, items: [{ id: 1, name: 'first item' }] },
      ],
      ['The bound token without a certificate', 401, undefined, undefined, 401, ...REFUSED.invalidToken],
      ['No token', 401, undefined, undefined, 401, ...REFUSED.noToken],
    ]);
  });

  it('stops cleanly on SIGTERM and deletes the folder of the certificate and key', async () => {
    const [, certFile] = FILES.exec(example.output) as RegExpExecArray;
    expect(existsSync(certFile as string)).toBe(true);
    expect(await stopExample(example.child)).toBe(0);
    expect(existsSync(dirname(certFile as string))).toBe(false);
  });

  it('deletes the folder on SIGINT (Ctrl+C) too', async () => {
    const { child, output } = await startExample(SERVER);
    const code = await stopExample(child, 'SIGINT');
    const [, certFile] = FILES.exec(output) as RegExpExecArray;
    expect([code, existsSync(dirname(certFile as string))]).toEqual([0, false]);
  }, 30_000);

  it('refuses an unknown argument with its usage and exit status 2', () => {
    expect(refusal(SERVER, { args: ['--cert', 'client.pem'] })).toEqual([2, expect.stringMatching(/^Unknown option '--cert'/), 'usage: node examples/mtls/server.mjs']);
  });
});
