import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { askCurlLines, startExample } from '../helpers/example-process.js';

const SERVER = join(__dirname, '../../examples/authlete/server.mjs');
const NO_CREDENTIALS = { AUTHLETE_SERVICE_ID: undefined, AUTHLETE_ACCESS_TOKEN: undefined, AUTHLETE_BASE_URL: undefined };

describe('examples/authlete (npm run start:authlete)', () => {
  let child: ChildProcessWithoutNullStreams;
  let output: string;

  beforeAll(async () => {
    ({ child, output } = await startExample(SERVER, { env: NO_CREDENTIALS }));
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('runs against the fake Authlete without credentials, and each curl line answers as it says', async () => {
    expect(output).toMatch(/^express-token-guard with Authlete \(the fake Authlete at http:\/\/127\.0\.0\.1:\d+\) listening on /);
    expect(await askCurlLines(output)).toEqual([
      ['A valid token', 200, 200, null],
      ['An expired token', 401, 401, 'Bearer realm="example", error="invalid_token", error_description="The access token is invalid or has expired"'],
      [
        'A token without the items:read scope',
        403,
        403,
        'Bearer realm="example", error="insufficient_scope", error_description="The access token does not carry the scope this request requires", scope="items:read"',
      ],
      ['No token', 401, 401, 'Bearer realm="example"'],
    ]);
  });

  it('stops cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('refuses half a configuration with a message and exit status 2', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', AUTHLETE_SERVICE_ID: '123' };
    delete env['AUTHLETE_ACCESS_TOKEN'];
    const run = spawnSync(process.execPath, [SERVER], { env, encoding: 'utf8', timeout: 20_000 });
    expect([run.status, run.stderr.trim()]).toEqual([2, 'Set both AUTHLETE_SERVICE_ID and AUTHLETE_ACCESS_TOKEN, or neither (to use the fake Authlete).']);
  });
});
