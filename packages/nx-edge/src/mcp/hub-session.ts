import { readHub, type HubInfo } from '../dev/hub-registry';
import { TOKEN_HEADER } from '../proxy/dev-proxy';
import { localRequest, sendThroughProxy, type HttpAnswer } from '../proxy/proxy-request';

export type { HttpAnswer } from '../proxy/proxy-request';

/** What the MCP server asks of a running dev session (the hub, through its proxy port, as the dashboard does). */
export interface SessionApi {
  get(path: string): Promise<unknown>;
  /** A dashboard action (restart, reload, stop, start), with the session's dashboard token. */
  act(service: string, action: string): Promise<{ status: number; body: unknown }>;
  /** An HTTP request through the proxy to `<hostLabel>.localhost`, under a new trace whose id is returned. */
  send(hostLabel: string, req: { method: string; path: string; headers?: Record<string, string>; body?: string }): Promise<HttpAnswer & { traceId: string }>;
}

/** The session the workspace's hub.json describes; undefined when no dev session runs. */
export function hubSession(workspaceRoot: string, read: (root: string) => HubInfo | undefined = readHub): SessionApi | undefined {
  const hub = read(workspaceRoot);
  if (!hub) return undefined;
  const root = { host: 'localhost', accept: 'application/json' };
  const json = (answer: HttpAnswer): unknown => {
    try {
      return JSON.parse(answer.body) as unknown;
    } catch {
      return { error: `the dev hub answered ${answer.status} with something other than JSON` };
    }
  };
  return {
    async get(path) {
      return json(await localRequest(hub.proxyPort, { method: 'GET', path, headers: root }));
    },
    async act(service, action) {
      // The token comes from the owner-only hub.json and goes only to the hub: never into an answer.
      const headers: Record<string, string> = { ...root, 'content-type': 'application/json', 'content-length': '0' };
      if (hub.dashboardToken) headers[TOKEN_HEADER] = hub.dashboardToken;
      const answer = await localRequest(hub.proxyPort, { method: 'POST', path: `/__nx-edge/services/${encodeURIComponent(service)}/${action}`, headers });
      return { status: answer.status, body: json(answer) };
    },
    send: (hostLabel, req) => sendThroughProxy(hub.proxyPort, hostLabel, req),
  };
}
