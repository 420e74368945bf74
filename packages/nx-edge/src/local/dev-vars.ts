import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';

/**
 * `.dev.vars` files — the one place that reads them, for dev, tests, deploy checks and `secrets push`,
 * so a value means the same locally and in production. Parsed with the dotenv package, as wrangler
 * itself parses .dev.vars (`dotenv.parse`, no expansion): `export ` prefixes, single/double/back
 * quotes, `#` comments after unquoted values, `\n` in double quotes, quoted values spanning lines.
 * Values are never printed.
 */
export function parseDevVars(text: string): Record<string, string> {
  return { ...parse(text) };
}

/** Variable names in a dotenv file (`.dev.vars.example` is committed without values). */
export function devVarsKeys(text: string): string[] {
  return Object.keys(parseDevVars(text));
}

/** The file wrangler dev reads for an environment: `.dev.vars.<env>`, else `.dev.vars`. */
export function devVarsFileFor(root: string, environment?: string): string | undefined {
  const candidates = environment ? [join(root, `.dev.vars.${environment}`), join(root, '.dev.vars')] : [join(root, '.dev.vars')];
  return candidates.find(existsSync);
}

/** `.dev.vars.<env>` for an environment, else `.dev.vars`, as wrangler dev reads them. */
export function readDevVars(root: string, environment?: string): Record<string, string> {
  const file = devVarsFileFor(root, environment);
  return file ? parseDevVars(readFileSync(file, 'utf8')) : {};
}

/** `.dev.vars` values this short are too likely to be ordinary words ("true", "dev") to scrub. */
const MIN_SCRUBBED_LENGTH = 6;

/** A Worker's `.dev.vars` values out of a line before it is stored, shown or sent anywhere. */
export function scrubSecrets(line: string, values: string[] | undefined): string {
  if (!values?.length) return line;
  let out = line;
  for (const value of values) if (value.length >= MIN_SCRUBBED_LENGTH && out.includes(value)) out = out.split(value).join('[redacted]');
  return out;
}
