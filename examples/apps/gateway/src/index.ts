import { withEdge } from '@aero/edge-runtime';
import { errorBody, greet } from '@shared/greeting';

interface Env {
  USERS: Fetcher;
  ORDERS: Fetcher;
}

async function fetchJson(service: Fetcher, path: string): Promise<unknown> {
  const response = await service.fetch(`https://internal${path}`);
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json();
}

// withEdge: a trace across gateway → users/orders in the dashboard, JSON logs, /health.
export default withEdge<Env>({
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/') {
      try {
        const [users, orders] = await Promise.all([fetchJson(env.USERS, '/users'), fetchJson(env.ORDERS, '/orders')]);
        return Response.json({ message: greet('gateway'), users, orders });
      } catch (error) {
        return errorBody(`upstream failed: ${(error as Error).message}`, 502);
      }
    }
    return errorBody(`no route ${url.pathname}`, 404);
  },
});
