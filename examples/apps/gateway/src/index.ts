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

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/health') return Response.json({ ok: true });
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
} satisfies ExportedHandler<Env>;
