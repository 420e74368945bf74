/**
 * KEY=VALUE files (.dev.vars, .dev.vars.<env>): comments, `export `, single/double quotes, \n in
 * double quotes. Values are only ever handed to wrangler's stdin, never printed.
 */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, key, rest] = match;
    let value = rest;
    const quote = value[0];
    if (quote === '"' || quote === "'" || quote === '`') {
      // a quoted value may span lines until the closing quote
      let body = value.slice(1);
      while (!new RegExp(`(^|[^\\\\])${quote}\\s*(#.*)?$`).test(body) && i + 1 < lines.length) body += `\n${lines[++i]}`;
      const end = body.lastIndexOf(quote);
      value = end >= 0 ? body.slice(0, end) : body;
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, '').trim();
    }
    out[key] = value;
  }
  return out;
}

/** Replaces every occurrence of the given values (longest first) in text printed to the user. */
export function redact(text: string, values: string[]): string {
  let out = text;
  for (const value of [...values].filter((v) => v.length >= 3).sort((a, b) => b.length - a.length)) out = out.split(value).join('[redacted]');
  return out;
}
