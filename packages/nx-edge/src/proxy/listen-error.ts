import { UserError } from '../utils/user-error';

/** What a user is told when the dev proxy cannot have its port (keeping the errno code); other errors as they are. */
export function listenError(err: NodeJS.ErrnoException, port: number, host: string): Error {
  const told =
    err.code === 'EADDRINUSE'
      ? `port ${port} on ${host} is in use (another nx-edge dev, perhaps of another workspace, or another program) — stop it, or pass --proxyPort <free port> to use another port`
      : err.code === 'EACCES'
        ? `not allowed to listen on port ${port} on ${host} — pass --proxyPort with a port above 1024`
        : undefined;
  return told ? Object.assign(new UserError(told), { code: err.code }) : err;
}
