import type { AccessToken } from '../../core/record.js';
import type { TokenListQuery } from '../../core/store.js';
import { MAX_LIST_LIMIT } from '../../stores/list-query.js';
import { CommandError, UsageError } from '../errors.js';
import { parseClientId } from '../arguments.js';
import { withStore, type Command } from '../command.js';
import { expiry, write } from '../output.js';

const HEADER = ['HASH', 'SUBJECT', 'CLIENT', 'EXPIRES', 'SCOPES'];
// A subject longer than this is cut (with …) in the table; --json shows it whole.
const SUBJECT_WIDTH = 32;

export const list: Command = {
  name: 'list',
  summary: 'list the records (never a token)',
  synopsis: ['[--subject <id>] [--client-id <n>] [--expired] [--json]'],
  description: [
    'Lists the stored records a page at a time, as a table: the hash (shortened),',
    'subject, client, expiry (relative and ISO 8601) and scopes. Never a token: only',
    'hashes are stored. With --json, one record per line (JSON Lines), whole, as',
    'token import reads them.',
  ].join('\n'),
  options: {
    subject: { type: 'string', help: ['--subject <id>', 'only the tokens of this resource owner'] },
    'client-id': { type: 'string', help: ['--client-id <n>', 'only the tokens issued to this client'] },
    expired: { type: 'boolean', help: ['--expired', 'only the tokens that have expired'] },
  },
  async run({ values, positionals }, context) {
    if (positionals.length > 0) throw new UsageError('token list takes no arguments, only options');
    const query: TokenListQuery = { now: context.now, limit: MAX_LIST_LIMIT };
    if (values['subject'] !== undefined) query.subject = values['subject'] as string;
    if (values['client-id'] !== undefined) query.clientId = parseClientId('--client-id', values['client-id'] as string);
    if (values['expired'] === true) query.expired = true;
    const json = values['json'] === true;
    const { stdout } = context.io;

    const listed = await withStore(context, false, async (store) => {
      if (typeof store.list !== 'function') throw new CommandError('this store cannot list its records (it has no list())');
      let table: Table | undefined;
      let listed = 0;
      for (let after: string | undefined; ; ) {
        const page = await store.list(after === undefined ? query : { ...query, after });
        if (json) {
          if (page.records.length > 0) await write(stdout, `${page.records.map((record) => JSON.stringify(record)).join('\n')}\n`);
        } else {
          const rows = page.records.map((record) => row(record, context.now));
          table ??= rows.length > 0 ? new Table(rows) : undefined;
          if (table !== undefined) await write(stdout, table.format(rows));
        }
        listed += page.records.length;
        if (page.next === undefined) return listed;
        after = page.next;
      }
    });
    if (!json) await write(stdout, `${listed === 0 ? 'No' : listed} ${query.expired ? 'expired ' : ''}token${listed === 1 ? '' : 's'}.\n`);
  },
};

function row(record: AccessToken, now: number): string[] {
  const hash = record.accessTokenHash ?? '';
  return [
    hash.length > 12 ? `${hash.slice(0, 12)}…` : hash,
    record.subject ?? '-',
    record.clientId === undefined ? '-' : String(record.clientId),
    expiry(record.accessTokenExpiresAt, now),
    record.scopes === undefined || record.scopes.length === 0 ? '-' : record.scopes.join(' '),
  ];
}

/** Columns as wide as the first page needs (a page at a time: the listing may be long); subjects are cut at 32. */
class Table {
  readonly #widths: number[];
  #headed = false;

  constructor(first: string[][]) {
    this.#widths = HEADER.map((title, i) => Math.max(title.length, ...first.map((cells) => (cells[i] as string).length)));
    this.#widths[1] = Math.min(this.#widths[1] as number, SUBJECT_WIDTH);
  }

  format(rows: string[][]): string {
    const lines = rows.map((cells) => this.#line(cells));
    if (!this.#headed) lines.unshift(this.#line(HEADER));
    this.#headed = true;
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  #line(cells: string[]): string {
    return cells
      .map((cell, i) => {
        const width = this.#widths[i] as number;
        if (i === cells.length - 1) return cell;
        const fitted = i === 1 && cell.length > width ? `${cell.slice(0, width - 1)}…` : cell;
        return fitted.padEnd(width);
      })
      .join('  ');
  }
}
