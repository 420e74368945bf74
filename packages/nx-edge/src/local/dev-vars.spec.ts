import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { devVarsKeys, parseDevVars, readDevVars } from './dev-vars';

// One reading of .dev.vars for dev, tests, deploy checks and `secrets push`: wrangler's (dotenv's).
const cases: [string, string, Record<string, string>][] = [
  ['a quoted value keeps its #; a comment after it is dropped', 'A="x # y" # note', { A: 'x # y' }],
  ['an unquoted value ends at " #"', 'B=plain # trailing', { B: 'plain' }],
  ['\\n in double quotes is a newline', 'C="l1\\nl2"', { C: 'l1\nl2' }],
  ["single quotes are literal", "D='raw \\n # kept'", { D: 'raw \\n # kept' }],
  ['backquotes quote too', 'E=`a # b`', { E: 'a # b' }],
  ['a double-quoted value may span lines', 'F="first\nsecond"', { F: 'first\nsecond' }],
  ['export is ignored', 'export G=exported', { G: 'exported' }],
  ['spaces around an unquoted value are trimmed', 'H=  spaced  ', { H: 'spaced' }],
  ['= inside a value is kept', 'I=a=b=c', { I: 'a=b=c' }],
  ['an empty value is empty', 'J=', { J: '' }],
  ['comment lines and junk lines are skipped', '# K=1\njunk\nL=1', { L: '1' }],
  ['the last of a repeated key wins', 'M=1\nM=2', { M: '2' }],
  ['Windows line ends', 'N=1\r\nO="two"\r\n', { N: '1', O: 'two' }],
];

describe('.dev.vars', () => {
  it.each(cases)('%s', (_what, text, expected) => {
    expect(parseDevVars(text)).toEqual(expected);
  });

  it('names keys without values (for .dev.vars.example)', () => {
    expect(devVarsKeys('# comment\nAPI_KEY=\nexport DB_PASSWORD="changeme"\n\nAPI_KEY=dup\n')).toEqual(['API_KEY', 'DB_PASSWORD']);
  });

  let dir: string;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  it('reads .dev.vars.<env> for an environment, else .dev.vars, as wrangler dev does', () => {
    dir = mkdtempSync(join(tmpdir(), 'nx-edge-devvars-'));
    expect(readDevVars(dir)).toEqual({});
    writeFileSync(join(dir, '.dev.vars'), 'A=top');
    expect(readDevVars(dir, 'staging')).toEqual({ A: 'top' });
    writeFileSync(join(dir, '.dev.vars.staging'), 'A="staging # value"');
    expect(readDevVars(dir, 'staging')).toEqual({ A: 'staging # value' });
    expect(readDevVars(dir)).toEqual({ A: 'top' });
  });
});
