import type { Readable, Writable } from 'node:stream';

/** The process's streams and environment, injected so that the CLI can run inside a test. */
export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** Writes `text`, waiting while the stream's buffer is full, so a long listing never piles up in memory. */
export async function write(stream: Writable, text: string): Promise<void> {
  if (stream.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error): void => {
      stream.off('drain', done);
      stream.off('error', done);
      if (error === undefined) resolve();
      else reject(error);
    };
    stream.on('drain', done);
    stream.on('error', done);
  });
}

/** `1 token`, `3 tokens`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** A duration in its two largest units, rounded down to the second: `1h 30m`, `7d`, `45s`, `0s`. */
export function duration(ms: number): string {
  const whole = Math.floor(Math.abs(ms) / 1000) * 1000;
  const i = UNITS.findIndex(([, size]) => whole >= size);
  if (i < 0) return '0s';
  const [unit, size] = UNITS[i] as readonly [string, number];
  const [nextUnit, nextSize] = UNITS[i + 1] ?? ['', Infinity];
  const first = Math.floor(whole / size);
  const second = Math.floor((whole - first * size) / nextSize);
  return second > 0 ? `${first}${unit} ${second}${nextUnit}` : `${first}${unit}`;
}

/** When a token expires, as `token list` and `token create` say it: relative to `now`, and in ISO 8601. */
export function expiry(expiresAt: number | undefined, now: number): string {
  if (expiresAt === undefined || expiresAt === 0) return 'expired (no expiry set)';
  const iso = new Date(expiresAt).toISOString();
  return expiresAt > now ? `in ${duration(expiresAt - now)} (${iso})` : `expired ${duration(now - expiresAt)} ago (${iso})`;
}
