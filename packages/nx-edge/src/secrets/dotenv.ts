/** Replaces every occurrence of the given values (longest first) in text printed to the user. */
export function redact(text: string, values: string[]): string {
  let out = text;
  for (const value of [...values].filter((v) => v.length >= 3).sort((a, b) => b.length - a.length)) out = out.split(value).join('[redacted]');
  return out;
}
