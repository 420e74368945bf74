/**
 * A mistake the user can fix (bad config, bad option). Executors and generators print its message
 * without a stack; anything else is a bug and keeps its stack.
 */
export class UserError extends Error {
  readonly isUserError = true;
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

export function isUserError(error: unknown): error is UserError {
  return !!error && typeof error === 'object' && (error as { isUserError?: unknown }).isUserError === true;
}

/** The text to print for a failure: the message alone for a user mistake, the stack for a bug. */
export function describeError(error: unknown): string {
  if (isUserError(error)) return error.message;
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}
