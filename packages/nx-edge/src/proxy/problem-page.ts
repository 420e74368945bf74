import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceState } from '../dev/protocol';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function wantsJson(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/**
 * The proxy's own answer when it cannot pass a request on: JSON for tools, else a small page naming why and
 * linking the dashboard at `publicPort` (the port the user reached, which may not be this socket's).
 */
export function sendProblem(
  req: IncomingMessage,
  res: ServerResponse,
  publicPort: number | undefined,
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): void {
  if (res.headersSent) return void res.end();
  if (wantsJson(req)) {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ error: title, detail, ...extra }));
    return;
  }
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html><head><meta charset="utf-8"><title>${status} ${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}code{background:#eee;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><h1>${status} — ${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p><p><a href="http://localhost:${escapeHtml(String(publicPort ?? ''))}/">nx-edge dev dashboard</a></p></body></html>`);
}

/** What the proxy knows of a service it could not reach, for the 502 page. */
export interface DownTarget {
  state: ServiceState | 'unreachable';
  url?: string;
  detail?: string;
}

export function describeDown(target: DownTarget | undefined, service: string, known: string[]): { title: string; detail: string; extra: Record<string, unknown> } {
  if (!target) {
    return {
      title: `no service "${service}"`,
      detail: `No service named "${service}" is running in this nx-edge dev session. Known services: ${known.length ? known.join(', ') : '(none yet)'}.`,
      extra: { service, known },
    };
  }
  const why = target.detail ? ` (${target.detail})` : '';
  return {
    title: `${service} is ${target.state}`,
    detail: `Service "${service}" is ${target.state}${why}${target.url || target.detail ? '' : ' and has no address yet'}; the request could not reach it. See its logs in the dashboard or with \`nx-edge logs --service ${service}\`.`,
    extra: { service, state: target.state, ...(target.detail ? { reason: target.detail } : {}) },
  };
}
