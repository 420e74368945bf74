/**
 * Questions a generator asks at run time, when the answer depends on an earlier one (the Worker to
 * bind to only after `type=service`) or the choices are computed (only Workers, not libs). Nx's
 * schema prompts cannot do either. Uses Nx's own prompt helpers, as @nx/devkit's generators do,
 * and asks only where Nx itself would: a TTY, not CI, `--interactive` not turned off.
 */
export interface Choice {
  value: string;
  label?: string;
  hint?: string;
}

interface NxPromptHelpers {
  selectPrompt(options: { message: string; choices: Choice[]; initial?: string }): Promise<string>;
  textPrompt(options: { message: string; initialValue?: string; placeholder?: string; validate?: (value: string) => string | undefined }): Promise<string>;
  isCI?(): boolean;
}

function nxPromptHelpers(): NxPromptHelpers | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- Nx internals of the workspace's own nx, found at run time
    const internals = require(require.resolve('nx/src/devkit-internals', { paths: [process.cwd(), __dirname] })) as Partial<NxPromptHelpers>;
    return typeof internals.selectPrompt === 'function' && typeof internals.textPrompt === 'function' ? (internals as NxPromptHelpers) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a generator may ask: the same rule as @nx/devkit's `isInteractive` (TTY, not CI, `--interactive`). */
export function canPrompt(): boolean {
  if (!process.stdout.isTTY || process.env.NX_INTERACTIVE !== 'true') return false;
  const helpers = nxPromptHelpers();
  return helpers !== undefined && !(helpers.isCI ? helpers.isCI() : !!process.env.CI && process.env.CI !== 'false');
}

export async function chooseOne(message: string, choices: Choice[], initial?: string): Promise<string> {
  return nxPromptHelpers()!.selectPrompt({ message, choices, initial });
}

export async function askText(message: string, options: { initial?: string; validate?: (value: string) => string | undefined } = {}): Promise<string> {
  return nxPromptHelpers()!.textPrompt({ message, initialValue: options.initial, validate: options.validate });
}
