import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { helpText } from '../../src/cli/command.js';
import { COMMANDS } from '../../src/cli/run.js';
import { runCli, useTempDir, usage } from './run-cli.js';

// Help, and every bad argument: exit status 2, a message that names the argument (and never repeats
// a value that could be a token), and where the usage is. Nothing is opened or created.

const dir = useTempDir('etg-cli-args-');

const PROGRAM_HELP = `Usage: express-token-guard token <command> [options]

Administers the access tokens of an express-token-guard store. Stores hold
hashes only: a token is printed once, by token create, and never again.

Commands:
  token create           make a token, store its record, print the token once
  token revoke           delete a token, or every token of a subject or a client
  token list             list the records (never a token)
  token import <file|->  import records from a JSON array or JSON Lines
  token sync authlete    copy the tokens of an Authlete service into the store
  token delete-expired   delete the records whose access token has expired

Options of every command:
  --store <store>  memory | sqlite:<file> | redis://host:port[/db] | postgres://…
                   (default: sqlite:./tokens.db)
  --json           machine-readable output
  -h, --help       show this help

Exit status: 0 done, 1 the operation failed, 2 a bad argument.
Run "express-token-guard token <command> --help" for the options of a command.
`;

const REVOKE_HELP = `Usage: express-token-guard token revoke <token>
       express-token-guard token revoke -- <token>
       express-token-guard token revoke --hash=<hash> | --subject <id> | --client-id <n>

Deletes one token (given itself, or by its hash), or every token of a resource
owner or of a client, and says how many were deleted; 0 is not a failure.
A token that starts with "-" goes after "--"; a hash that does is given as --hash=<hash>.

Options:
  --hash=<hash>    the token’s accessTokenHash, as token list --json shows it
  --subject <id>   every token of this resource owner
  --client-id <n>  every token issued to this client
  --store <store>  memory | sqlite:<file> | redis://host:port[/db] | postgres://…
                   (default: sqlite:./tokens.db)
  --json           machine-readable output
  -h, --help       show this help

Exit status: 0 done, 1 the operation failed, 2 a bad argument.
`;

describe('express-token-guard --help', () => {
  it.each([['--help'], ['-h'], ['token', '--help'], ['token', '-h']])('%s %s prints the commands and exits 0', async (...args) => {
    expect(await runCli(args, { cwd: dir() })).toEqual({ code: 0, stdout: PROGRAM_HELP, stderr: '' });
  });

  it('token revoke --help shows the forms for a token that starts with "-"', async () => {
    expect(await runCli(['token', 'revoke', '--help'], { cwd: dir() })).toEqual({ code: 0, stdout: REVOKE_HELP, stderr: '' });
  });

  it.each(COMMANDS.map((command) => [command.name]))('token %s --help and -h print its help and open no store', async (name) => {
    const command = COMMANDS.find((candidate) => candidate.name === name);
    const help = helpText(command as (typeof COMMANDS)[number]);
    expect(help).toMatch(new RegExp(`^Usage: express-token-guard token ${name}\\b`));
    expect(help).toContain('--store <store>');
    for (const flag of ['--help', '-h']) {
      expect(await runCli(['token', name, flag, '--store', 'redis://127.0.0.1:1'], { cwd: dir() })).toEqual({ code: 0, stdout: help, stderr: '' });
    }
    expect(existsSync(join(dir(), 'tokens.db'))).toBe(false);
  });
});

describe('bad arguments: exit status 2, naming the argument', () => {
  const LONG_DASH_TOKEN = '-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd';
  const cases: Array<[string, string[], string, string]> = [
    ['no command', [], '', 'a command is needed, e.g. token list'],
    ['an unknown group', ['tokens'], '', 'unknown command "tokens"; the commands are token <command>'],
    ['no token command', ['token'], '', 'a command is needed, e.g. token list'],
    ['a misspelt command', ['token', 'lst'], '', 'unknown command "lst" (did you mean token list?)'],
    ['a command that is not a word, not repeated', ['token', LONG_DASH_TOKEN.slice(1)], '', 'unknown command'],
    ['a misspelt option', ['token', 'create', '--ttl', '1h', '--subjet', 'a'], 'create', 'unknown option --subjet (did you mean --subject?)'],
    ['an unknown short option', ['token', 'list', '-x'], 'list', 'unknown option -x'],
    ['an option without its value', ['token', 'create', '--ttl'], 'create', '--ttl needs a value'],
    ['a value for a flag', ['token', 'list', '--json=yes'], 'list', '--json takes no value'],
    ['an empty value', ['token', 'list', '--subject='], 'list', '--subject must not be empty'],
    ['an option given twice', ['token', 'create', '--ttl', '1h', '--subject', 'a', '--subject', 'b'], 'create', '--subject is given twice'],
    ['no --ttl', ['token', 'create', '--subject', 'alice'], 'create', '--ttl is required, e.g. --ttl 1h'],
    ['a --ttl in years', ['token', 'create', '--ttl', '1y'], 'create', '--ttl must be a duration such as 90s, 15m, 1h or 7d'],
    ['a --ttl of 0', ['token', 'create', '--ttl', '0s'], 'create', '--ttl must be a duration such as 90s, 15m, 1h or 7d'],
    ['a --ttl beyond 2^53 ms', ['token', 'create', '--ttl', '9999999999999d'], 'create', '--ttl must be a duration such as 90s, 15m, 1h or 7d'],
    ['a --client-id that is not an integer', ['token', 'create', '--ttl', '1h', '--client-id', '4.2'], 'create', '--client-id must be an integer from 0 to 9007199254740991 (2^53-1)'],
    ['a --client-id beyond 2^53-1', ['token', 'list', '--client-id', '9007199254740992'], 'list', '--client-id must be an integer from 0 to 9007199254740991 (2^53-1)'],
    ['--scopes without a scope', ['token', 'create', '--ttl', '1h', '--scopes', ', ,'], 'create', '--scopes must name at least one scope'],
    ['a scope with a quote', ['token', 'create', '--ttl', '1h', '--scopes', 'a,"b"'], 'create', '--scopes: a scope is printable ASCII without spaces, " or \\ (RFC 6749)'],
    ['a property without =', ['token', 'create', '--ttl', '1h', '--property', 'tenant'], 'create', '--property must be key=value'],
    ['a hidden property without a key', ['token', 'create', '--ttl', '1h', '--hidden-property', '=gold'], 'create', '--hidden-property must be key=value'],
    ['a property given twice', ['token', 'create', '--ttl', '1h', '--property', 'plan=a', '--hidden-property', 'plan=b'], 'create', 'the property plan is given twice'],
    ['a grant type in lower case', ['token', 'create', '--ttl', '1h', '--grant-type', 'password'], 'create', '--grant-type must be in capitals, e.g. AUTHORIZATION_CODE or CLIENT_CREDENTIALS'],
    ['a positional argument to create', ['token', 'create', '--ttl', '1h', 'alice'], 'create', 'token create takes no arguments, only options'],
    ['revoke without a selector', ['token', 'revoke'], 'revoke', 'give one of: <token>, --hash=<hash>, --subject <id>, --client-id <n>'],
    ['revoke with two tokens', ['token', 'revoke', 'a', 'b'], 'revoke', 'one token at a time: give one of: <token>, --hash=<hash>, --subject <id>, --client-id <n>'],
    ['revoke with a token and a subject', ['token', 'revoke', 'a', '--subject', 'alice'], 'revoke', 'only one at a time: give one of: <token>, --hash=<hash>, --subject <id>, --client-id <n>'],
    ['revoke with an empty token', ['token', 'revoke', '--', ''], 'revoke', '<token> must not be empty'],
    [
      'a token that starts with "-", without "--"',
      ['token', 'revoke', LONG_DASH_TOKEN],
      'revoke',
      'an argument that starts with "-" is not an option of this command; a token that starts with "-" goes after "--": token revoke -- <token>',
    ],
    [
      'a token that starts with "--", without "--"',
      ['token', 'revoke', `-${LONG_DASH_TOKEN}`],
      'revoke',
      'an argument that starts with "-" is not an option of this command; a token that starts with "-" goes after "--": token revoke -- <token>',
    ],
    ['a hash that starts with "-", as a separate argument', ['token', 'revoke', '--hash', LONG_DASH_TOKEN], 'revoke', '--hash needs a value; one that starts with "-" is written --hash=<value>'],
    ['list with an argument', ['token', 'list', 'alice'], 'list', 'token list takes no arguments, only options'],
    ['delete-expired with an argument', ['token', 'delete-expired', 'now'], 'delete-expired', 'token delete-expired takes no arguments, only options'],
    ['import without a file', ['token', 'import'], 'import', 'one file is needed, or - for standard input'],
    ['import with two files', ['token', 'import', 'a.json', 'b.json'], 'import', 'one file is needed, or - for standard input'],
    ['import of a missing file', ['token', 'import', 'missing.jsonl'], 'import', 'cannot read missing.jsonl: no such file'],
    ['import of a directory', ['token', 'import', '.'], 'import', 'cannot read .: not a file'],
    ['sync without a source', ['token', 'sync'], 'sync', 'one source is needed: token sync authlete'],
    ['sync from elsewhere', ['token', 'sync', 'okta'], 'sync', 'the one source known is authlete: token sync authlete'],
    ['sync without --base-url', ['token', 'sync', 'authlete', '--service-id', '1'], 'sync', '--base-url is required, e.g. --base-url https://us.authlete.com'],
    ['sync over plain http', ['token', 'sync', 'authlete', '--base-url', 'http://authlete.example', '--service-id', '1'], 'sync', '--base-url must be an https URL (http only on localhost, 127.0.0.1 or [::1])'],
    ['sync from a relative URL', ['token', 'sync', 'authlete', '--base-url', 'us.authlete.com', '--service-id', '1'], 'sync', '--base-url must be an absolute URL'],
    ['sync without --service-id', ['token', 'sync', 'authlete', '--base-url', 'https://us.authlete.com'], 'sync', '--service-id is required'],
    ['sync with a service id that is not one', ['token', 'sync', 'authlete', '--base-url', 'https://us.authlete.com', '--service-id', '../x'], 'sync', '--service-id must be the service’s id (digits, letters, - or _)'],
    [
      'sync without AUTHLETE_ACCESS_TOKEN',
      ['token', 'sync', 'authlete', '--base-url', 'https://us.authlete.com', '--service-id', '1'],
      'sync',
      'AUTHLETE_ACCESS_TOKEN must hold the service access token (it is read from the environment only)',
    ],
    ['an unknown --store', ['token', 'list', '--store', 'mysql://localhost'], 'list', '--store must be memory, sqlite:<file>, redis://host:port[/db] or postgres://…'],
    ['--store sqlite: without a file', ['token', 'list', '--store', 'sqlite:'], 'list', '--store sqlite: needs a file, e.g. sqlite:./tokens.db'],
    ['--store with a URL that is not one', ['token', 'list', '--store', 'redis://[x'], 'list', '--store must be a URL such as redis://host:port'],
  ];

  it.each(cases)('%s', async (_title, args, command, message) => {
    const result = await runCli(args, { cwd: dir() });
    expect(result).toEqual(usage(command, message));
    expect(result.stderr).not.toContain(LONG_DASH_TOKEN.slice(2));
    expect(existsSync(join(dir(), 'tokens.db'))).toBe(false);
  });

  it('an EXPRESS_TOKEN_GUARD_NOW that is not a time', async () => {
    expect(await runCli(['token', 'list', '--store', 'memory'], { cwd: dir(), env: { EXPRESS_TOKEN_GUARD_NOW: 'tomorrow' } })).toEqual(
      usage('list', 'EXPRESS_TOKEN_GUARD_NOW must be ms since the epoch or an ISO 8601 time'),
    );
  });
});
