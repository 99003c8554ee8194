import { CommandError, UsageError } from '../errors.js';
import { withStore, type Command } from '../command.js';
import { count, write } from '../output.js';

export const deleteExpired: Command = {
  name: 'delete-expired',
  summary: 'delete the records whose access token has expired',
  synopsis: [''],
  description: [
    'Deletes every record whose access token has expired (those without an expiry',
    'included) and says how many. Redis needs none of it: it drops each token when it expires.',
  ].join('\n'),
  options: {},
  async run({ values, positionals }, context) {
    if (positionals.length > 0) throw new UsageError('token delete-expired takes no arguments, only options');
    const { deleted, note } = await withStore(context, false, async (store) => {
      if (typeof store.deleteExpired === 'function') return { deleted: await store.deleteExpired(context.now), note: '' };
      if (context.store.kind === 'redis') return { deleted: 0, note: ': Redis drops each token itself when it expires' };
      throw new CommandError('this store cannot delete expired records (it has no deleteExpired())');
    });
    await write(context.io.stdout, values['json'] === true ? `${JSON.stringify({ deleted })}\n` : `Deleted ${count(deleted, 'expired token')}${note}.\n`);
  },
};
