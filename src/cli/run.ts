import { closestName } from '../core/suggest.js';
import { COMMON_OPTIONS, optionLines, parseCommand } from './arguments.js';
import { PROGRAM, allOptions, helpText, type Command } from './command.js';
import { create } from './commands/create.js';
import { deleteExpired } from './commands/delete-expired.js';
import { importRecords } from './commands/import.js';
import { list } from './commands/list.js';
import { revoke } from './commands/revoke.js';
import { sync } from './commands/sync.js';
import { UsageError, reason } from './errors.js';
import { DEFAULT_STORE, openStore as openDefaultStore, parseStoreSpec, type OpenStore } from './open-store.js';
import { write, type CliIo } from './output.js';

export const COMMANDS: readonly Command[] = [create, revoke, list, importRecords, sync, deleteExpired];

/** The environment variable that fixes the CLI's clock (ms since the epoch, or an ISO 8601 time), for reproducible output. */
export const NOW_VARIABLE = 'EXPRESS_TOKEN_GUARD_NOW';

/** The help of the program itself. */
export function programHelp(): string {
  const names = COMMANDS.map((command) => `token ${command.name}${command.name === 'import' ? ' <file|->' : command.name === 'sync' ? ' authlete' : ''}`);
  const width = Math.max(...names.map((name) => name.length)) + 2;
  return [
    `Usage: ${PROGRAM} token <command> [options]`,
    '',
    'Administers the access tokens of an express-token-guard store. Stores hold',
    'hashes only: a token is printed once, by token create, and never again.',
    '',
    'Commands:',
    ...COMMANDS.map((command, i) => `  ${(names[i] as string).padEnd(width)}${command.summary}`),
    '',
    'Options of every command:',
    ...optionLines(Object.values(COMMON_OPTIONS)),
    '',
    'Exit status: 0 done, 1 the operation failed, 2 a bad argument.',
    `Run "${PROGRAM} token <command> --help" for the options of a command.`,
    '',
  ].join('\n');
}

/**
 * Runs the CLI on `args` (the arguments after the program's name) and resolves to its exit status:
 * 0 done, 1 a failed operation, 2 a bad argument. Every failure is reported on `io.stderr` in one
 * line (a bad argument adds where to find the usage), never with a stack trace.
 */
export async function runCli(args: readonly string[], io: CliIo, openStore: OpenStore = openDefaultStore): Promise<number> {
  let where = PROGRAM;
  let command: Command | undefined;
  try {
    const [group, name] = args;
    if (group === '--help' || group === '-h' || (group === 'token' && (name === '--help' || name === '-h'))) {
      await write(io.stdout, programHelp());
      return 0;
    }
    if (group !== 'token') {
      throw new UsageError(group === undefined ? 'a command is needed, e.g. token list' : `unknown command${plausible(group)}; the commands are token <command>`);
    }
    if (name === undefined) throw new UsageError('a command is needed, e.g. token list');
    command = COMMANDS.find((candidate) => candidate.name === name);
    if (command === undefined) {
      const suggestion = closestName(name, COMMANDS.map((candidate) => candidate.name));
      throw new UsageError(`unknown command${plausible(name)}${suggestion === undefined ? '' : ` (did you mean token ${suggestion}?)`}`);
    }
    where = `${PROGRAM} token ${command.name}`;
    const parsed = parseCommand(args.slice(2), allOptions(command), command.dashHint);
    if (parsed.values['help'] === true) {
      await write(io.stdout, helpText(command));
      return 0;
    }
    const store = parseStoreSpec((parsed.values['store'] as string | undefined) ?? DEFAULT_STORE);
    await command.run(parsed, { io, now: clock(io), store, openStore });
    return 0;
  } catch (error) {
    const usage = error instanceof UsageError;
    const help = command === undefined ? `${PROGRAM} --help` : `${PROGRAM} token ${command.name} --help`;
    await write(io.stderr, `${where}: ${reason(error)}\n${usage ? `Run "${help}" for usage.\n` : ''}`).catch(() => undefined);
    return usage ? 2 : 1;
  }
}

/** Names a mistyped command only when it looks like one (never something that could be a token). */
function plausible(name: string): string {
  return /^[a-z][a-z-]{0,29}$/.test(name) ? ` "${name}"` : '';
}

function clock(io: CliIo): number {
  const fixed = io.env[NOW_VARIABLE];
  if (fixed === undefined || fixed === '') return Date.now();
  const now = /^[0-9]+$/.test(fixed) ? Number(fixed) : Date.parse(fixed);
  if (!Number.isSafeInteger(now)) throw new UsageError(`${NOW_VARIABLE} must be ms since the epoch or an ISO 8601 time`);
  return now;
}
