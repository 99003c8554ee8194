import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { parseAccessToken } from '../../core/parse-access-token.js';
import type { AccessToken } from '../../core/record.js';
import { CommandError, UsageError, reason } from '../errors.js';
import { withStore, type Command } from '../command.js';
import { count, write } from '../output.js';
import { startProgress } from '../progress.js';
import { readRecords, type InputRecord } from '../read-records.js';

/** How many records go to the store in one `saveMany` (one transaction in SQL: fewer commits, a faster import). */
export const IMPORT_BATCH = 10_000;

export const importRecords: Command = {
  name: 'import',
  summary: 'import records from a JSON array or JSON Lines',
  synopsis: ['<file|-> [--skip-invalid]'],
  description: [
    'Imports records from a file, or standard input ("-"), that holds a JSON array or',
    'JSON Lines (one record per line), spelt as Authlete’s API (accessTokenHash, …) or',
    'its Ruby SDK (access_token_hash, …), in batches of 10,000. A record that is not',
    'valid stops the import, naming its line (JSON Lines) or index (array) and field;',
    'every record before it has been imported, and the message says how many.',
  ].join('\n'),
  options: {
    'skip-invalid': { type: 'boolean', help: ['--skip-invalid', 'report each invalid record on standard error, and go on'] },
  },
  async run({ values, positionals }, context) {
    if (positionals.length !== 1) throw new UsageError('one file is needed, or - for standard input');
    const file = positionals[0] as string;
    const skip = values['skip-invalid'] === true;
    const { io } = context;
    const input = file === '-' ? { stream: io.stdin, size: undefined } : await openInput(resolve(io.cwd, file), file);

    const { imported, skipped } = await withStore(context, true, async (store) => {
      const progress = await startProgress(io, 'Importing', input.size);
      let imported = 0;
      let skipped = 0;
      let batch: AccessToken[] = [];
      let bytes = 0;
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        try {
          await store.saveMany(batch);
        } catch (error) {
          throw new CommandError(`the store failed after ${count(imported, 'record')} had been imported: ${reason(error)}`);
        }
        imported += batch.length;
        batch = [];
        progress.update(bytes, imported);
      };
      try {
        for await (const records of readRecords(input.stream, (read) => (bytes = read))) {
          progress.update(bytes, imported);
          for (const item of records) {
            const checked = check(item);
            if (typeof checked === 'string') {
              if (!skip) {
                await flush();
                const before = imported === 0 ? 'nothing was imported' : `the ${count(imported, 'record')} before it ${imported === 1 ? 'was' : 'were'} imported`;
                throw new CommandError(`${item.position}: ${checked}; stopped there: ${before}`);
              }
              skipped++;
              await write(io.stderr, `skipped ${item.position}: ${checked}\n`);
              continue;
            }
            batch.push(checked);
            if (batch.length === IMPORT_BATCH) await flush();
          }
        }
        await flush();
      } finally {
        progress.stop();
      }
      return { imported, skipped };
    }).finally(() => {
      if (input.stream !== io.stdin) input.stream.destroy();
    });
    const summary =
      values['json'] === true
        ? JSON.stringify({ imported, skipped })
        : `Imported ${count(imported, 'record')}${skip ? `; skipped ${skipped} invalid` : ''}.`;
    await write(io.stdout, `${summary}\n`);
  },
};

/** The record, or what is wrong with it (never a value from it: it may be a raw token). */
function check(item: InputRecord): AccessToken | string {
  if ('problem' in item) return item.problem;
  let record: AccessToken;
  try {
    record = parseAccessToken(item.value);
  } catch (error) {
    const message = (error as Error).message.replace(/^parseAccessToken: /, '');
    return message === 'value must be an object' ? 'a record must be a JSON object' : message;
  }
  if (record.accessTokenHash === undefined || record.accessTokenHash === '') {
    return 'accessTokenHash is missing: a record is stored under the hash of its token';
  }
  return record;
}

async function openInput(path: string, file: string): Promise<{ stream: Readable; size: number }> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path);
    const stat = await handle.stat();
    if (!stat.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    return { stream: handle.createReadStream({ highWaterMark: 1 << 20 }), size: stat.size };
  } catch (error) {
    await handle?.close();
    const code = (error as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'not a file' : code === 'EACCES' ? 'permission denied' : reason(error);
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
}
