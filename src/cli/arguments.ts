import { parseArgs } from 'node:util';
import { closestName } from '../core/suggest.js';
import { UsageError } from './errors.js';

/** An option of a command, as `parseArgs` takes it, and the line that describes it in `--help`. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** `--name <value>` as the help shows it, and what it does (lines split by `\n`). */
  help: [string, string];
}

/** The options every command has. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  store: { type: 'string', help: ['--store <store>', 'memory | sqlite:<file> | redis://host:port[/db] | postgres://…\n(default: sqlite:./tokens.db)'] },
  json: { type: 'boolean', help: ['--json', 'machine-readable output'] },
  help: { type: 'boolean', short: 'h', help: ['-h, --help', 'show this help'] },
};

/** What a command line parsed to. */
export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * Parses the arguments of a command with `node:util` `parseArgs`, strictly. Its errors become
 * {@link UsageError}s that name the option and never repeat an argument that could be a token:
 * an unknown argument that starts with `-` is named only when it looks like an option. A string
 * option given twice (unless `multiple`) or empty is refused too.
 */
export function parseCommand(args: readonly string[], options: Record<string, OptionSpec>, hint = ''): Parsed {
  const config = Object.fromEntries(
    Object.entries(options).map(([name, { type, multiple, short }]) => [
      name,
      { type, ...(multiple === undefined ? {} : { multiple }), ...(short === undefined ? {} : { short }) },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs<{ options: typeof config; allowPositionals: true; tokens: true; strict: true; args: string[] }>>;
  try {
    parsed = parseArgs({ args: [...args], options: config, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw new UsageError(explain(error, args, options, hint));
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    const { name, value } = token;
    const spec = options[name] as OptionSpec;
    if (spec.type === 'string' && value === '') throw new UsageError(`--${name} must not be empty`);
    if (seen.has(name) && spec.multiple !== true) throw new UsageError(`--${name} is given twice`);
    seen.add(name);
  }
  return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
}

function explain(error: unknown, args: readonly string[], options: Record<string, OptionSpec>, hint: string): string {
  const { code, message } = error as { code?: string; message: string };
  const option = /^Option '(-[^' ]+)/.exec(message)?.[1];
  const long = option === undefined ? undefined : option.startsWith('--') ? option : `--${findLongName(option, options) ?? option.slice(1)}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && long !== undefined) {
    if (message.includes('does not take an argument')) return `${long} takes no value`;
    if (message.includes('ambiguous')) return `${long} needs a value; one that starts with "-" is written ${long}=<value>`;
    return `${long} needs a value`;
  }
  const unknown = args.slice(0, args.includes('--') ? args.indexOf('--') : args.length).find((arg) => isUnknown(arg, options));
  const name = unknown === undefined ? undefined : /^--([a-z][a-z0-9-]{0,30})(?:=|$)/.exec(unknown)?.[1];
  if (name !== undefined) {
    const suggestion = closestName(name, Object.keys(options));
    return `unknown option --${name}${suggestion === undefined ? '' : ` (did you mean --${suggestion}?)`}`;
  }
  if (unknown !== undefined && /^-[a-zA-Z]$/.test(unknown)) return `unknown option ${unknown}${hint}`;
  return `an argument that starts with "-" is not an option of this command${hint}`;
}

function findLongName(short: string, options: Record<string, OptionSpec>): string | undefined {
  return Object.entries(options).find(([, spec]) => `-${spec.short}` === short)?.[0];
}

function isUnknown(arg: string, options: Record<string, OptionSpec>): boolean {
  if (!arg.startsWith('-') || arg === '-') return false;
  if (arg.startsWith('--')) return !Object.hasOwn(options, arg.slice(2).split('=', 1)[0] as string);
  return ![...arg.slice(1)].every((short) => Object.values(options).some((spec) => spec.short === short));
}

const DURATION = /^([1-9][0-9]{0,12})(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `15m`, `1h`, `7d` in ms. */
export function parseDuration(option: string, value: string): number {
  const match = DURATION.exec(value);
  const ms = match === null ? NaN : Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(ms)) throw new UsageError(`${option} must be a duration such as 90s, 15m, 1h or 7d`);
  return ms;
}

/** A client id: decimal digits, at most 2^53-1. */
export function parseClientId(option: string, value: string): number {
  const id = /^[0-9]{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id)) throw new UsageError(`${option} must be an integer from 0 to 9007199254740991 (2^53-1)`);
  return id;
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Scopes separated by commas or white space, in their order, each once. */
export function parseScopes(option: string, values: readonly string[]): string[] {
  const scopes = values.flatMap((value) => value.split(/[\s,]+/)).filter((scope) => scope !== '');
  if (scopes.length === 0) throw new UsageError(`${option} must name at least one scope`);
  if (!scopes.every((scope) => SCOPE.test(scope))) {
    throw new UsageError(`${option}: a scope is printable ASCII without spaces, " or \\ (RFC 6749)`);
  }
  return [...new Set(scopes)];
}

/** `key=value` pairs; the value may be empty, the key may not. */
export function parseProperties(option: string, values: readonly string[], hidden: boolean): Array<{ key: string; value: string; hidden: boolean }> {
  return values.map((pair) => {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`${option} must be key=value`);
    return { key: pair.slice(0, at), value: pair.slice(at + 1), hidden };
  });
}

/** The lines of a help's options: each flag, then its text, continuation lines lined up under it. */
export function optionLines(options: ReadonlyArray<OptionSpec>): string[] {
  const width = Math.max(...options.map(({ help: [flag] }) => flag.length)) + 2;
  return options.map(({ help: [flag, text] }) => `  ${flag.padEnd(width)}${text.split('\n').join(`\n  ${' '.repeat(width)}`)}`);
}
