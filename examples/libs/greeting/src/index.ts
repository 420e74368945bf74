/** Shared by every example Worker: one greeting format, one JSON shape for errors. */
export function greet(service: string): string {
  return `hello from ${service}`;
}

export function errorBody(message: string, status = 500): Response {
  return Response.json({ error: message }, { status });
}
