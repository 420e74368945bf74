import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * package.json scripts that Nx turns into targets (`nx:run-script`) and that therefore replace the
 * inferred target of the same name: every script, unless `nx.includedScripts` narrows them.
 */
export function shadowingScripts(packageJson: { scripts?: Record<string, string>; nx?: { includedScripts?: string[] } } | undefined, targetNames: string[]): { script: string; command: string }[] {
  const scripts = packageJson?.scripts ?? {};
  const included = packageJson?.nx?.includedScripts ?? Object.keys(scripts);
  return included.filter((s) => targetNames.includes(s) && typeof scripts[s] === 'string').map((script) => ({ script, command: scripts[script] }));
}

export function readPackageJson(dir: string): { scripts?: Record<string, string>; nx?: { includedScripts?: string[] } } | undefined {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A script that only runs what the inferred target does (wrangler, vitest): safe to hand over to Nx. */
export const runsWranglerOrVitest = (command: string) => /(^|[\s;&|(])(npx\s+|pnpm\s+(exec\s+)?|yarn\s+)?(wrangler|vitest)(\s|$)/.test(command);
