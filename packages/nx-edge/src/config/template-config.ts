import { parseWranglerConfig } from './wrangler-config';

// Template folders (a scaffold's wrangler config with placeholders) are no Workers: the plugin, init and
// validate skip them by this one rule.

const PLACEHOLDER = /\{\{\s*[A-Za-z_][\w.-]*\s*\}\}|<%[=-]?[\s\S]*?%>|__[A-Za-z][A-Za-z0-9_]*__/;
// `name = "…"` / `"name": "…"` (and main) at any depth of the raw text: for a template that does not parse.
const NAME_OR_MAIN_LINE = /^\s*"?(?:name|main)"?\s*[:=]\s*(.*)$/gm;

/**
 * A config is a template (`{{SERVICE_NAME}}`, `<%= name %>`, `__NAME__`), not a Worker, only when its Worker's
 * `name` or `main` holds a placeholder: `"GREETING": "hello __world__"` in vars is an ordinary value. A config
 * that does not parse counts as a template when a name/main line of it holds one. Returns why, or undefined.
 */
export function templatePlaceholder(text: string, configFile: string): string | undefined {
  if (!PLACEHOLDER.test(text)) return undefined;
  try {
    const config = parseWranglerConfig(text, configFile);
    for (const field of ['name', 'main'] as const) {
      const value = config[field];
      if (typeof value === 'string' && PLACEHOLDER.test(value)) return `its ${field} "${value}" is a template placeholder`;
    }
    return undefined;
  } catch {
    for (const line of text.matchAll(NAME_OR_MAIN_LINE)) {
      if (PLACEHOLDER.test(line[1])) return `its name or main holds a template placeholder (${line[1].trim().slice(0, 60)})`;
    }
    return undefined;
  }
}
