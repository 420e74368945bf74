/**
 * package.json scripts that Nx turns into targets (`nx:run-script`) and that therefore replace the
 * inferred target of the same name: every script, unless `nx.includedScripts` narrows them.
 */
export function shadowingScripts(packageJson: { scripts?: Record<string, string>; nx?: { includedScripts?: string[] } } | undefined, targetNames: string[]): { script: string; command: string }[] {
  const scripts = packageJson?.scripts ?? {};
  const included = packageJson?.nx?.includedScripts ?? Object.keys(scripts);
  return included.filter((s) => targetNames.includes(s) && typeof scripts[s] === 'string').map((script) => ({ script, command: scripts[script] }));
}

/** A script that only runs what the inferred target does (wrangler, vitest): safe to hand over to Nx. */
export const runsWranglerOrVitest = (command: string) => /(^|[\s;&|(])(npx\s+|pnpm\s+(exec\s+)?|yarn\s+)?(wrangler|vitest)(\s|$)/.test(command);
