// What running wrangler takes and gives: the narrow interface the cores are handed (a real runner or a spec's fake).

export interface WranglerRunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Written to wrangler's stdin, then stdin is closed (secret values travel this way, never argv). */
  input?: string;
  /** Called with each chunk wrangler prints, e.g. to stream it. */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
}

export interface WranglerResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Set when the API still answered 429 after every wait (the reason, for the user). */
  rateLimitExhausted?: string;
}

/** Runs wrangler with an argv array. Injected into the cores so their tests can observe calls. */
export type RunWrangler = (args: string[], options: WranglerRunOptions) => Promise<WranglerResult>;
