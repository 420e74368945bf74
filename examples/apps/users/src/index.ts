import { withEdge } from '@aero/edge-runtime';
import { greet } from '@shared/greeting';

interface Env {
  USERS_KV: KVNamespace;
  SEED_USERS: string;
}

async function listUsers(env: Env): Promise<string[]> {
  const stored = await env.USERS_KV.get('users', 'json');
  if (Array.isArray(stored)) return stored as string[];
  const seed = env.SEED_USERS.split(',').filter(Boolean);
  await env.USERS_KV.put('users', JSON.stringify(seed));
  return seed;
}

// withEdge: a trace across gateway → users/orders in the dashboard, JSON logs, /health.
export default withEdge<Env>({
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/users') {
      const users = await listUsers(env);
      console.log(`listed ${users.length} users`);
      return Response.json({ message: greet('users'), users });
    }
    return Response.json({ error: `no route ${url.pathname}` }, { status: 404 });
  },
});
