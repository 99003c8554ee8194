import { checkHttpsUrl } from '../../core/https-url.js';
import type { AccessToken } from '../../core/record.js';
import { syncFromAuthlete } from '../../upstream/authlete.js';
import { CommandError, UsageError, reason } from '../errors.js';
import { withStore, type Command } from '../command.js';
import { count, write } from '../output.js';
import { startProgress } from '../progress.js';

const SERVICE_ID = /^[A-Za-z0-9_-]+$/;
const TOKEN_VARIABLE = 'AUTHLETE_ACCESS_TOKEN';

export const sync: Command = {
  name: 'sync',
  summary: 'copy the tokens of an Authlete service into the store',
  synopsis: ['authlete --base-url <url> --service-id <id> [--subject <id>] [--client-id <id>]'],
  description: [
    'Copies the access tokens of an Authlete service into the store, through its',
    'token list API (20 a page; paid plans only). The service access token is read',
    `from the environment variable ${TOKEN_VARIABLE} only, never from a flag, so`,
    'that it stays out of shell history. The store must exist already.',
  ].join('\n'),
  options: {
    'base-url': { type: 'string', help: ['--base-url <url>', 'Authlete’s API, e.g. https://us.authlete.com (required)'] },
    'service-id': { type: 'string', help: ['--service-id <id>', 'the service’s API key (required)'] },
    subject: { type: 'string', help: ['--subject <id>', 'only the tokens of this resource owner'] },
    'client-id': { type: 'string', help: ['--client-id <id>', 'only the tokens of this client (its id or alias)'] },
  },
  async run({ values, positionals }, context) {
    const [source, ...rest] = positionals;
    if (source === undefined || rest.length > 0) throw new UsageError('one source is needed: token sync authlete');
    if (source !== 'authlete') throw new UsageError('the one source known is authlete: token sync authlete');
    const baseUrl = values['base-url'] as string | undefined;
    const serviceId = values['service-id'] as string | undefined;
    if (baseUrl === undefined) throw new UsageError('--base-url is required, e.g. --base-url https://us.authlete.com');
    try {
      checkHttpsUrl('--base-url', baseUrl);
    } catch (error) {
      throw new UsageError((error as Error).message.replace(/, not ".*"$/s, ''));
    }
    if (serviceId === undefined) throw new UsageError('--service-id is required');
    if (!SERVICE_ID.test(serviceId)) throw new UsageError('--service-id must be the service’s id (digits, letters, - or _)');
    const accessToken = context.io.env[TOKEN_VARIABLE];
    if (accessToken === undefined || accessToken === '') {
      throw new UsageError(`${TOKEN_VARIABLE} must hold the service access token (it is read from the environment only)`);
    }
    const subject = values['subject'] as string | undefined;
    const clientIdentifier = values['client-id'] as string | undefined;

    const { io } = context;
    const { saved, total } = await withStore(context, false, async (store) => {
      const progress = await startProgress(io, 'Copying', 1);
      let copied = 0;
      const counted = {
        saveMany: async (records: readonly AccessToken[]) => {
          await store.saveMany(records);
          copied += records.length;
        },
      };
      try {
        return await syncFromAuthlete({
          store: counted,
          baseUrl,
          serviceId,
          accessToken,
          ...(subject === undefined ? {} : { subject }),
          ...(clientIdentifier === undefined ? {} : { clientIdentifier }),
          onProgress: (page) => progress.update(page.done, copied, page.total),
        });
      } catch (error) {
        throw new CommandError(`${reason(error)}; ${copied === 0 ? 'nothing was copied' : `${count(copied, 'token')} had been copied before it`}`);
      } finally {
        progress.stop();
      }
    });
    await write(io.stdout, values['json'] === true ? `${JSON.stringify({ saved, total })}\n` : `Copied ${count(saved, 'token')} from Authlete.\n`);
  },
};
