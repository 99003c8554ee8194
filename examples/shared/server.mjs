// @ts-check
// The plumbing every example server shares: its command line, where it listens, its curl lines and how it
// stops. What an example does with express-token-guard stays in the example.
import { Server as TlsServer } from 'node:tls';
import { parseArgs } from 'node:util';

/**
 * Prints `message` and how to run the example to stderr, and exits with status 2.
 * @param {string} usage e.g. `node examples/jwt/server.mjs`
 * @param {string} message
 * @returns {never}
 */
export function exitWithUsage(usage, message) {
  console.error(`${message}\nusage: ${usage}`);
  process.exit(2);
}

/**
 * The values of the command line's `options` (node:util parseArgs, strict: no other option, no positional);
 * anything else exits with {@link exitWithUsage}.
 * @template {NonNullable<import('node:util').ParseArgsConfig['options']>} O
 * @param {string} usage
 * @param {O} [options]
 */
export function parseCommandLine(usage, options) {
  try {
    return parseArgs({ options: /** @type {O} */ (options), strict: true }).values;
  } catch (error) {
    return exitWithUsage(usage, /** @type {Error} */ (error).message);
  }
}

/**
 * Where to listen: PORT (default 3000; 0 for any free port) and HOST (default 127.0.0.1). A PORT that is not
 * a port number exits with status 2.
 * @returns {{ port: number, host: string }}
 */
export function listenAddress() {
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a port number from 0 to 65535, not "${process.env.PORT}"`);
    process.exit(2);
  }
  return { port, host: process.env.HOST ?? '127.0.0.1' };
}

/**
 * Listens on `address`, then calls `ready` with the origin the server answers at: https for a TLS server, the
 * port it got when PORT is 0, an IPv6 host in brackets. When it cannot listen, a message and exit status 1.
 * @param {{ listen(port: number, host: string): import('node:net').Server }} listener an Express app, or a server
 * @param {{ port: number, host: string }} address
 * @param {(origin: string) => void} ready
 */
export function listen(listener, { port, host }, ready) {
  const server = listener.listen(port, host);
  server.on('error', (error) => {
    console.error(`Cannot listen on ${host}:${port}: ${error.message}`);
    process.exit(1);
  });
  server.on('listening', () => {
    const address = server.address();
    const actualPort = typeof address === 'object' && address !== null ? address.port : port;
    const scheme = server instanceof TlsServer ? 'https' : 'http';
    ready(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${actualPort}`);
  });
  return server;
}

/**
 * A ready-to-paste curl line, indented by two spaces, that asks `url` with `token` (when given) as the bearer
 * token, and `flags` before it.
 * @param {string} url
 * @param {string} [token]
 * @param {string[]} [flags]
 */
export function curl(url, token, flags = []) {
  const authorization = token === undefined ? [] : [`-H 'Authorization: Bearer ${token}'`];
  return `  ${['curl -i', ...flags, ...authorization, url].join(' ')}`;
}

/**
 * On SIGINT (Ctrl+C) or SIGTERM: closes `server`, then `closeOthers` (what the example opened besides; a
 * Promise it returns is awaited), and exits with status 0.
 * @param {import('node:net').Server} server
 * @param {() => unknown} [closeOthers]
 */
export function closeOnSignal(server, closeOthers = () => undefined) {
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.on(signal, () => server.close(() => void Promise.resolve(closeOthers()).then(() => process.exit(0))));
  }
}
