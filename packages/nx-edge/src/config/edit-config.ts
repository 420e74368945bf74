import { applyEdits, modify, parse as parseJsonc, type FormattingOptions, type JSONPath } from 'jsonc-parser';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { UserError } from '../utils/user-error';
import type { WranglerConfigFormat } from './wrangler-config';

/** Indentation of the first indented line, so edits look like the rest of the file. */
export function detectFormatting(text: string): FormattingOptions {
  const match = /\n([ \t]+)\S/.exec(text);
  const indent = match?.[1] ?? '  ';
  return { insertSpaces: !indent.includes('\t'), tabSize: indent.includes('\t') ? 1 : indent.length, eol: text.includes('\r\n') ? '\r\n' : '\n' };
}

function getPath(value: unknown, path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** jsonc: sets a value in place; comments, order and formatting of everything else stay. */
export function setJsoncValue(text: string, path: JSONPath, value: unknown): string {
  return applyEdits(text, modify(text, path, value, { formattingOptions: detectFormatting(text) }));
}

/** jsonc: appends to an array at `path`, creating the array (and parents) when missing. */
export function appendJsoncArrayItem(text: string, path: JSONPath, item: unknown): string {
  const current = getPath(parseJsonc(text), path);
  if (current === undefined) return setJsoncValue(text, path, [item]);
  if (!Array.isArray(current)) throw new UserError(`"${path.join('.')}" is not a list; cannot add to it.`);
  return applyEdits(
    text,
    modify(text, [...path, -1], item, { formattingOptions: detectFormatting(text), isArrayInsertion: true }),
  );
}

function tomlKey(path: (string | number)[]): string {
  return path.map((p) => (/^[A-Za-z0-9_-]+$/.test(String(p)) ? String(p) : JSON.stringify(String(p)))).join('.');
}

/**
 * toml: appends an array-of-tables entry (`[[path]]`) at the end of the file. TOML table headers are
 * absolute, so the position does not matter; the result is parsed again to prove every existing key
 * survived and the file is still valid.
 */
export function appendTomlArrayItem(text: string, path: string[], item: Record<string, unknown>, file = 'wrangler.toml'): string {
  const before = parseToml(text);
  const existing = getPath(before, path);
  if (existing !== undefined && !Array.isArray(existing)) throw new UserError(`${file}: "${path.join('.')}" is not a list; cannot add to it.`);
  const body = stringifyToml(item).trimEnd();
  const separator = text.length === 0 || text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n';
  const next = `${text}${separator}[[${tomlKey(path)}]]\n${body}\n`;
  let after: unknown;
  try {
    after = parseToml(next);
  } catch {
    throw new UserError(
      `${file}: "${path.join('.')}" is written as an inline array; nx-edge adds entries as [[${path.join('.')}]] tables. Rewrite it as tables, then run again.`,
    );
  }
  const list = getPath(after, path);
  if (!Array.isArray(list) || list.length !== (Array.isArray(existing) ? existing.length : 0) + 1) {
    throw new UserError(`${file}: could not add to "${path.join('.')}" without changing other keys. Add it by hand.`);
  }
  return next;
}

/** Appends `item` to the list at `path` in a wrangler config's text, in its own format. */
export function appendConfigArrayItem(text: string, format: WranglerConfigFormat, path: string[], item: Record<string, unknown>, file?: string): string {
  return format === 'toml' ? appendTomlArrayItem(text, path, item, file) : appendJsoncArrayItem(text, path, item);
}

/**
 * Sets a scalar at `path` (e.g. an id written back after provisioning). jsonc edits in place; toml
 * rewrites the single `key = value` line inside the right table when it exists, else refuses.
 */
/**
 * Where the table holding `path`'s key is written, line by line (tables in order; the n-th `[[x]]` for
 * an array entry), and the line of the key in it (-1 when absent). start is -1 when the table is not
 * written as its own `[table]` / `[[table]]`.
 */
function tomlKeyLines(text: string, path: (string | number)[]): { lines: string[]; header: string; start: number; end: number; keyLine: number } {
  const parentPath = path.slice(0, -1);
  const key = String(path[path.length - 1]);
  const lines = text.split('\n');
  const arrayIndex = typeof parentPath[parentPath.length - 1] === 'number' ? (parentPath[parentPath.length - 1] as number) : undefined;
  const tablePath = arrayIndex === undefined ? parentPath.map(String) : parentPath.slice(0, -1).map(String);
  const header = arrayIndex === undefined ? `[${tomlKey(tablePath)}]` : `[[${tomlKey(tablePath)}]]`;
  let seen = -1;
  let start = -1;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== header) continue;
    seen++;
    if (arrayIndex === undefined || seen === arrayIndex) {
      start = i;
      break;
    }
  }
  let end = lines.length;
  for (let i = start + 1; start >= 0 && i < lines.length; i++) if (/^\s*\[/.test(lines[i])) { end = i; break; }
  const found = start < 0 ? -1 : lines.slice(start + 1, end).findIndex((l) => new RegExp(`^\\s*${key}\\s*=`).test(l));
  return { lines, header, start, end, keyLine: found < 0 ? -1 : start + 1 + found };
}

export function setConfigValue(text: string, format: WranglerConfigFormat, path: (string | number)[], value: string | number | boolean, file = 'wrangler config'): string {
  if (format !== 'toml') return setJsoncValue(text, path, value);
  const parsed = parseToml(text) as Record<string, unknown>;
  const parentPath = path.slice(0, -1);
  const key = String(path[path.length - 1]);
  const parent = getPath(parsed, parentPath);
  if (!parent || typeof parent !== 'object') throw new UserError(`${file}: cannot find "${parentPath.join('.')}" to set ${key}.`);
  // Re-emit only the edited table: locate its entry by walking tables in order.
  const { lines, header, start, keyLine } = tomlKeyLines(text, path);
  if (start < 0) throw new UserError(`${file}: ${header} is not written as a table; set ${key} by hand.`);
  const rendered = `${key} = ${stringifyToml({ v: value }).replace(/^v = /, '').trim()}`;
  if (keyLine >= 0) lines[keyLine] = rendered;
  else lines.splice(start + 1, 0, rendered);
  const next = lines.join('\n');
  if (getPath(parseToml(next), path) !== value) throw new UserError(`${file}: could not set ${path.join('.')}; set it by hand.`);
  return next;
}

/**
 * Removes the value at `path` (comments and formatting of everything else kept). A TOML key is
 * removed from its own table's lines; one written any other way (inline) is the user's to remove.
 */
export function removeConfigValue(text: string, format: WranglerConfigFormat, path: (string | number)[], file = 'wrangler config'): string {
  // No formatting options: the property and its comma go, the lines around it stay as written.
  if (format !== 'toml') return applyEdits(text, modify(text, path, undefined, {}));
  const { lines, header, keyLine } = tomlKeyLines(text, path);
  if (keyLine < 0) throw new UserError(`${file}: ${path.join('.')} is not written as a key of ${header}; remove it by hand.`);
  lines.splice(keyLine, 1);
  const next = lines.join('\n');
  if (getPath(parseToml(next), path) !== undefined) throw new UserError(`${file}: could not remove ${path.join('.')}; remove it by hand.`);
  return next;
}
