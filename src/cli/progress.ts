import type { CliIo } from './output.js';

/** A progress bar, or nothing at all when standard error is not a terminal. */
export interface Progress {
  /** `done` of the total (bytes read, tokens copied), `records` so far, and the total when it has become known. */
  update(done: number, records: number, total?: number): void;
  stop(): void;
}

const NONE: Progress = { update: () => undefined, stop: () => undefined };

/**
 * Starts a `cli-progress` bar on standard error when it is a terminal; a pipe or a file gets no bar
 * (and the package is not even loaded). `total` undefined: the size is unknown (standard input),
 * so only the count of records moves.
 */
export async function startProgress(io: CliIo, label: string, total: number | undefined): Promise<Progress> {
  if (io.stderr.isTTY !== true) return NONE;
  const { SingleBar, Presets } = await import('cli-progress');
  const format = total === undefined ? `${label} {records} records` : `${label} {bar} {percentage}% | {records} records | ETA {eta_formatted}`;
  const bar = new SingleBar(
    // Neither the cursor nor line wrapping is switched off (each line is cut to the terminal's width
    // instead): an import interrupted by Ctrl-C leaves the terminal as it was.
    { stream: io.stderr as NodeJS.WritableStream, format, barsize: 30, hideCursor: false, linewrap: true, clearOnComplete: false, etaBuffer: 50 },
    Presets.shades_classic,
  );
  bar.start(total ?? 1, 0, { records: 0 });
  return {
    update: (done, records, newTotal) => {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(total === undefined ? 0 : done, { records });
    },
    stop: () => bar.stop(),
  };
}
