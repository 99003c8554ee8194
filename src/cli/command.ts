import { COMMON_OPTIONS, optionLines, type OptionSpec, type Parsed } from './arguments.js';
import type { CliStore, OpenStore, OpenedStore, StoreSpec } from './open-store.js';
import type { CliIo } from './output.js';

/** What a command runs with. */
export interface CommandContext {
  io: CliIo;
  /** The time, in ms since the epoch: the clock, or `EXPRESS_TOKEN_GUARD_NOW`. */
  now: number;
  /** Where `--store` points (default `sqlite:./tokens.db`). */
  store: StoreSpec;
  openStore: OpenStore;
}

/** A `token` command: its help and what it does. */
export interface Command {
  name: string;
  /** One line, for the list of commands. */
  summary: string;
  /** The usage lines of its help, without the program's name. */
  synopsis: string[];
  /** What its help says it does. */
  description: string;
  /** Its own options; the common ones (`--store`, `--json`, `--help`) are added. */
  options: Record<string, OptionSpec>;
  /** Added to a message about an unknown argument that starts with `-`. */
  dashHint?: string;
  run(parsed: Parsed, context: CommandContext): Promise<void>;
}

export const PROGRAM = 'express-token-guard';

/** A command's options with the common ones. */
export function allOptions(command: Command): Record<string, OptionSpec> {
  return { ...command.options, ...COMMON_OPTIONS };
}

/** The `--help` of a command. */
export function helpText(command: Command): string {
  return [
    ...command.synopsis.map((line, i) => `${i === 0 ? 'Usage: ' : '       '}${PROGRAM} token ${command.name}${line === '' ? '' : ` ${line}`}`),
    '',
    command.description,
    '',
    'Options:',
    ...optionLines(Object.values(allOptions(command))),
    '',
    'Exit status: 0 done, 1 the operation failed, 2 a bad argument.',
    '',
  ].join('\n');
}

/** Opens the store of `--store`, runs `work` with it, and closes it. `create`: it may create the SQLite file. */
export async function withStore<T>(context: CommandContext, create: boolean, work: (store: CliStore, opened: OpenedStore) => Promise<T>): Promise<T> {
  const opened = await context.openStore(context.store, { create, cwd: context.io.cwd });
  try {
    return await work(opened.store, opened);
  } finally {
    await opened.close();
  }
}
