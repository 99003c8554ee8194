import { randomBytes } from 'node:crypto';
import { hashToken } from '../../core/hash.js';
import type { AccessToken } from '../../core/record.js';
import { UsageError } from '../errors.js';
import { parseClientId, parseDuration, parseProperties, parseScopes } from '../arguments.js';
import { withStore, type Command } from '../command.js';
import { storeName } from '../open-store.js';
import { expiry, write } from '../output.js';

const GRANT_TYPE = /^[A-Z][A-Z0-9_]*$/;

export const create: Command = {
  name: 'create',
  summary: 'make a token, store its record, print the token once',
  synopsis: ['--ttl <duration> [--subject <id>] [--scopes <a,b>] [options]'],
  description: [
    'Makes a new access token (32 random bytes, base64url), stores its record under',
    'its hash (SHA-256, base64url), and prints the token once, on standard output.',
    'Only the hash is stored: the token cannot be shown again.',
  ].join('\n'),
  options: {
    ttl: { type: 'string', help: ['--ttl <duration>', 'how long it is valid: 90s, 15m, 1h, 7d (required)'] },
    subject: { type: 'string', help: ['--subject <id>', 'the resource owner (leave out for a client’s own token)'] },
    scopes: { type: 'string', multiple: true, help: ['--scopes <a,b>', 'its scopes, separated by commas or spaces'] },
    'client-id': { type: 'string', help: ['--client-id <n>', 'the client it is issued to (an integer)'] },
    'grant-type': { type: 'string', help: ['--grant-type <type>', 'AUTHORIZATION_CODE, CLIENT_CREDENTIALS, …'] },
    property: { type: 'string', multiple: true, help: ['--property <key=value>', 'a property (repeatable)'] },
    'hidden-property': { type: 'string', multiple: true, help: ['--hidden-property <key=value>', 'a property for resource servers only (repeatable)'] },
  },
  async run({ values, positionals }, context) {
    if (positionals.length > 0) throw new UsageError('token create takes no arguments, only options');
    if (values['ttl'] === undefined) throw new UsageError('--ttl is required, e.g. --ttl 1h');
    const expiresAt = context.now + parseDuration('--ttl', values['ttl'] as string);
    if (!Number.isSafeInteger(expiresAt)) throw new UsageError('--ttl is too long');
    const grantType = values['grant-type'] as string | undefined;
    if (grantType !== undefined && !GRANT_TYPE.test(grantType)) {
      throw new UsageError('--grant-type must be in capitals, e.g. AUTHORIZATION_CODE or CLIENT_CREDENTIALS');
    }
    const properties = [
      ...parseProperties('--property', (values['property'] as string[] | undefined) ?? [], false),
      ...parseProperties('--hidden-property', (values['hidden-property'] as string[] | undefined) ?? [], true),
    ];
    const twice = properties.find(({ key }, i) => properties.findIndex((other) => other.key === key) !== i);
    if (twice !== undefined) throw new UsageError(`the property ${twice.key} is given twice`);

    const token = randomBytes(32).toString('base64url');
    const record: AccessToken = { accessTokenHash: hashToken(token), accessTokenExpiresAt: expiresAt, createdAt: context.now };
    if (values['client-id'] !== undefined) record.clientId = parseClientId('--client-id', values['client-id'] as string);
    if (values['subject'] !== undefined) record.subject = values['subject'] as string;
    if (grantType !== undefined) record.grantType = grantType;
    if (values['scopes'] !== undefined) record.scopes = parseScopes('--scopes', values['scopes'] as string[]);
    if (properties.length > 0) record.properties = properties;

    await withStore(context, true, (store) => store.save(record));
    const { io } = context;
    if (values['json'] === true) {
      await write(io.stdout, `${JSON.stringify({ token, ...record })}\n`);
      return;
    }
    await write(io.stdout, `${token}\n`);
    await write(
      io.stderr,
      `Stored in ${context.store.kind === 'memory' ? 'memory (gone when this command exits)' : storeName(context.store)}: ` +
        `hash ${record.accessTokenHash}, expires ${expiry(expiresAt, context.now)}.\nThe token is printed once: it cannot be shown again.\n`,
    );
  },
};
