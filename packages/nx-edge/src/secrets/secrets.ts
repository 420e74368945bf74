import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { environmentNames, readWranglerConfig, resolveEnvironment } from '../config/wrangler-config';
import { buildSecretBulkArgs, buildSecretDeleteArgs, buildSecretListArgs, buildSecretPutArgs } from '../wrangler/wrangler-args';
import { stripAnsi, wranglerErrorSummary, type RunWrangler } from '../wrangler/wrangler-cli';
import { UserError } from '../utils/user-error';
import { parseDevVars } from '../local/dev-vars';
import { redact } from './dotenv';

export type SecretsAction = 'set' | 'list' | 'delete' | 'push';
export const SECRETS_ACTIONS: SecretsAction[] = ['set', 'list', 'delete', 'push'];

export interface SecretsInput {
  workspaceRoot: string;
  project: string;
  projectRoot: string;
  configFile: string;
  action?: string;
  key?: string;
  /** A word after KEY on the command line: a value where none may be. Refused, never printed. */
  extraArgument?: string;
  env?: string;
  /** push: the dotenv file (project-relative); default .dev.vars.<env>. */
  file?: string;
}

export interface SecretsDeps {
  runWrangler: RunWrangler;
  log: (line: string) => void;
  /** The value for `set`: stdin when piped, a hidden prompt on a terminal. */
  readValue: (prompt: string) => Promise<string>;
}

const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

function requireKey(key: string | undefined, usage: string): string {
  if (!key) throw new UserError(`Which secret? ${usage}`);
  if (key.includes('=')) {
    // KEY=value on the command line: name the key, never echo what follows "=".
    throw new UserError(`"${key.slice(0, key.indexOf('='))}=…" puts a value on the command line, which nx-edge refuses (it was not used and is not printed). ${usage}`);
  }
  // Never quoted back: a name that is not a name may be `KEY value` typed as one word.
  if (!KEY_PATTERN.test(key)) throw new UserError(`The secret's name is not valid (it is not printed, in case it holds a value): use letters, digits and _ (e.g. API_KEY).`);
  return key;
}

/** `set`, `list`, `delete`, `push` of one Worker's secrets in one env. Values never reach argv or output. */
/**
 * Cloudflare refuses a secret edit while the Worker's latest version is not the one fully deployed (code
 * 10215: a gradual rollout in progress, or a version uploaded and not deployed); wrangler says so in its
 * own words. The sequence that works, in nx-edge's commands, or undefined for any other failure.
 */
export function rolloutInProgressFix(output: string, project: string, env: string | undefined, worker: string): string | undefined {
  if (!/\b10215\b|latest version of your Worker isn't currently deployed/.test(output)) return undefined;
  const c = env ? ` -c ${env}` : '';
  return `${worker}'s latest version is not the one serving all traffic (a gradual rollout is in progress, or a version was uploaded without being deployed), and Cloudflare refuses secret edits until it is: nothing was changed. Finish the rollout first — nx-edge promote ${project}${c} (the new version to 100 %) or nx-edge rollback ${project}${c} — then run this again.`;
}

export async function runSecrets(input: SecretsInput, deps: SecretsDeps): Promise<void> {
  const { config } = readWranglerConfig(input.configFile);
  const env = input.env || undefined;
  const worker = resolveEnvironment(config, env).name ?? input.project;
  const where = `${worker}${env ? ` (env ${env})` : ''}`;
  const args = { configFile: input.configFile, hasEnvironments: environmentNames(config).length > 0 };
  const cwd = join(input.workspaceRoot, input.projectRoot);
  const target = `nx run ${input.project}:secrets${env ? ` --configuration=${env}` : ''}`;
  const action = input.action as SecretsAction | undefined;
  if (!action || !SECRETS_ACTIONS.includes(action)) {
    throw new UserError(
      `${action ? `Unknown secrets action "${action}". ` : ''}Use one of: ${target} set KEY (value on stdin), ${target} list, ${target} delete KEY, ${target} push (all keys of .dev.vars.<env>).`,
    );
  }

  if (input.extraArgument !== undefined) {
    throw new UserError(
      `${action} takes ${action === 'set' || action === 'delete' ? 'one name' : 'no words'} after it; the extra word was not used and is not printed. Secret values never go on the command line (shell history, ps, CI logs): if it was a real secret, rotate it. Pipe values in: printf %s "$VALUE" | ${target} set KEY`,
    );
  }

  if (action === 'list') {
    const result = await deps.runWrangler(buildSecretListArgs(env, args), { cwd });
    if (result.code !== 0) {
      if (/\b10007\b|does not exist/i.test(stripAnsi(result.stderr + result.stdout))) {
        deps.log(`${where} does not exist yet: no secrets.`);
        return;
      }
      throw new UserError(`wrangler secret list failed for ${where}: ${wranglerErrorSummary(result)}`);
    }
    let names: string[];
    try {
      names = (JSON.parse(result.stdout) as { name: string }[]).map((s) => s.name).sort();
    } catch {
      throw new UserError(`wrangler secret list printed something other than JSON for ${where}.`);
    }
    deps.log(names.length ? `${names.length} secret${names.length > 1 ? 's' : ''} on ${where} (names only):` : `no secrets on ${where}.`);
    for (const name of names) deps.log(`  ${name}`);
    return;
  }

  if (action === 'delete') {
    const key = requireKey(input.key, `${target} delete KEY`);
    const result = await deps.runWrangler(buildSecretDeleteArgs(key, env, args), { cwd });
    if (result.code !== 0) throw new UserError(rolloutInProgressFix(result.stdout + result.stderr, input.project, env, worker) ?? `wrangler secret delete ${key} failed for ${where}: ${wranglerErrorSummary(result)}`);
    deps.log(`deleted secret ${key} from ${where}.`);
    return;
  }

  if (action === 'set') {
    const key = requireKey(input.key, `printf %s "$VALUE" | ${target} set KEY`);
    const value = await deps.readValue(`Value of ${key} for ${where} (input hidden): `);
    if (!value) {
      throw new UserError(`No value for ${key} on stdin. Pipe it in: printf %s "$VALUE" | ${target} set ${key} (never put a secret on the command line).`);
    }
    const result = await deps.runWrangler(buildSecretPutArgs(key, env, args), { cwd, input: value });
    if (result.code !== 0) throw new UserError(rolloutInProgressFix(result.stdout + result.stderr, input.project, env, worker) ?? redact(`wrangler secret put ${key} failed for ${where}: ${wranglerErrorSummary(result)}`, [value]));
    deps.log(`set secret ${key} on ${where}.`);
    return;
  }

  // push
  if (!env && !input.file) {
    throw new UserError(`push needs an environment (${`nx run ${input.project}:secrets --configuration=<env> push`} reads .dev.vars.<env>) or --file=<dotenv file>.`);
  }
  // An absolute --file is the user's own path, honoured; a relative one is the project's.
  const file = resolve(cwd, input.file ?? `.dev.vars.${env}`);
  const shown = relative(input.workspaceRoot, file);
  if (!existsSync(file)) {
    throw new UserError(`${shown} does not exist. Create it with KEY=value lines (and keep it out of git: .dev.vars* is ignored), then run push again.`);
  }
  const values = parseDevVars(readFileSync(file, 'utf8'));
  const keys = Object.keys(values);
  if (keys.length === 0) throw new UserError(`${shown} has no KEY=value lines: nothing to push.`);
  const bad = keys.filter((k) => !KEY_PATTERN.test(k));
  if (bad.length) throw new UserError(`${shown}: ${bad.join(', ')} ${bad.length > 1 ? 'are not valid secret names' : 'is not a valid secret name'} (letters, digits and _).`);
  // One bulk call; the JSON goes through wrangler's stdin, so no temp file holds the values.
  const result = await deps.runWrangler(buildSecretBulkArgs(env, args), { cwd, input: JSON.stringify(values) });
  const secretValues = Object.values(values);
  if (result.code !== 0) throw new UserError(rolloutInProgressFix(result.stdout + result.stderr, input.project, env, worker) ?? redact(`wrangler secret bulk failed for ${where}: ${wranglerErrorSummary(result)}`, secretValues));
  deps.log(`pushed ${keys.length} secret${keys.length > 1 ? 's' : ''} from ${shown} to ${where}: ${keys.join(', ')}`);
}

/** Reads a secret value: all of stdin when piped (one trailing newline dropped), else a hidden prompt. */
export async function readSecretValue(prompt: string, stdin: NodeJS.ReadStream = process.stdin, stderr: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  stderr.write(prompt);
  stdin.setRawMode?.(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          done();
          reject(new UserError('Cancelled.'));
          return;
        }
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}
