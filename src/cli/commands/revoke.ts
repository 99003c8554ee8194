import { hashToken } from '../../core/hash.js';
import { UsageError } from '../errors.js';
import { parseClientId } from '../arguments.js';
import { withStore, type Command } from '../command.js';
import { count, write } from '../output.js';

const ONE_OF = 'give one of: <token>, --hash=<hash>, --subject <id>, --client-id <n>';

export const revoke: Command = {
  name: 'revoke',
  summary: 'delete a token, or every token of a subject or a client',
  synopsis: ['<token>', '-- <token>', '--hash=<hash> | --subject <id> | --client-id <n>'],
  description: [
    'Deletes one token (given itself, or by its hash), or every token of a resource',
    'owner or of a client, and says how many were deleted; 0 is not a failure.',
    'A token that starts with "-" goes after "--"; a hash that does is given as --hash=<hash>.',
  ].join('\n'),
  options: {
    hash: { type: 'string', help: ['--hash=<hash>', 'the token’s accessTokenHash, as token list --json shows it'] },
    subject: { type: 'string', help: ['--subject <id>', 'every token of this resource owner'] },
    'client-id': { type: 'string', help: ['--client-id <n>', 'every token issued to this client'] },
  },
  dashHint: '; a token that starts with "-" goes after "--": token revoke -- <token>',
  async run({ values, positionals }, context) {
    if (positionals.length > 1) throw new UsageError(`one token at a time: ${ONE_OF}`);
    const [token] = positionals;
    const { hash, subject } = values as { hash?: string; subject?: string };
    const clientId = values['client-id'] === undefined ? undefined : parseClientId('--client-id', values['client-id'] as string);
    const given = [token, hash, subject, clientId].filter((selector) => selector !== undefined).length;
    if (given !== 1) throw new UsageError(given === 0 ? ONE_OF : `only one at a time: ${ONE_OF}`);
    if (token === '') throw new UsageError('<token> must not be empty');

    const deleted = await withStore(context, false, async (store) => {
      if (token !== undefined) return Number(await store.deleteByAccessTokenHash(hashToken(token)));
      if (hash !== undefined) return Number(await store.deleteByAccessTokenHash(hash));
      if (subject !== undefined) return store.deleteBySubject(subject);
      return store.deleteByClientId(clientId as number);
    });
    await write(context.io.stdout, values['json'] === true ? `${JSON.stringify({ deleted })}\n` : `Deleted ${count(deleted, 'token')}.\n`);
  },
};
