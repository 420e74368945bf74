import { withEdge } from '@aero/edge-runtime';
import { greet } from '@shared/greeting';

interface Env {
  DB: D1Database;
}

interface Order {
  id: number;
  customer: string;
  total_cents: number;
}

// Local dev starts from an empty database: create the table the migration describes, seed once.
async function ensureSchema(db: D1Database): Promise<void> {
  await db.exec('CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, total_cents INTEGER NOT NULL)');
  const { count } = (await db.prepare('SELECT COUNT(*) AS count FROM orders').first<{ count: number }>()) ?? { count: 0 };
  if (count === 0) {
    await db.batch([
      db.prepare('INSERT INTO orders (customer, total_cents) VALUES (?, ?)').bind('ada', 4200),
      db.prepare('INSERT INTO orders (customer, total_cents) VALUES (?, ?)').bind('grace', 1999),
    ]);
  }
}

// withEdge: a trace across gateway → users/orders in the dashboard, JSON logs, /health.
export default withEdge<Env>({
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/orders') {
      await ensureSchema(env.DB);
      const { results } = await env.DB.prepare('SELECT id, customer, total_cents FROM orders ORDER BY id').all<Order>();
      console.log(`listed ${results.length} orders`);
      return Response.json({ message: greet('orders'), orders: results });
    }
    return Response.json({ error: `no route ${url.pathname}` }, { status: 404 });
  },
});
