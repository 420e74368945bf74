// Checks a response of the fake against the vendored schema (cloudflare-schema.json, from Cloudflare's SDK):
// the v4 envelope, the pagination the SDK reads for that route, and the result's shape. The schema uses a
// small part of JSON Schema (type, const, anyOf, properties/required/additionalProperties, items, $ref), so
// this checks exactly that part.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Schema {
  $ref?: string;
  type?: 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';
  const?: unknown;
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
}

export interface SchemaRoute {
  /** The SDK method the route comes from. */
  sdk: string;
  /** The route as the schema names it (method and path with its parameter names). */
  schemaPath: string;
  /** The SDK's page class (SinglePage, V4PagePaginationArray, CursorPagination, CursorLimitPagination, …) for lists. */
  pagination?: string;
  item?: Schema;
  result?: Schema;
  /** For the few SDK methods that return the whole body rather than its `result`. */
  body?: Schema;
  /** The answer is raw bytes (a KV value), not JSON. */
  raw?: boolean;
}

export interface CloudflareSchema {
  source: { package: string; repository: string; how: string };
  routes: Record<string, SchemaRoute>;
  notInSchema: string[];
  definitions: Record<string, Schema>;
}

export function readCloudflareSchema(): CloudflareSchema {
  return JSON.parse(readFileSync(join(__dirname, 'cloudflare-schema.json'), 'utf8')) as CloudflareSchema;
}

const typeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** Every way `value` departs from `schema`, as "<path>: <what>" lines (none: it conforms). */
export function schemaErrors(value: unknown, schema: Schema, definitions: Record<string, Schema>, at = 'result'): string[] {
  if (schema.$ref) {
    const target = definitions[schema.$ref];
    if (!target) return [`${at}: the schema has no ${schema.$ref}`];
    return schemaErrors(value, target, definitions, at);
  }
  if ('const' in schema) return value === schema.const ? [] : [`${at}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`];
  if (schema.anyOf) {
    const tries = schema.anyOf.map((option) => schemaErrors(value, option, definitions, at));
    if (tries.some((errors) => errors.length === 0)) return [];
    // The closest option explains best.
    return tries.sort((a, b) => a.length - b.length)[0];
  }
  if (!schema.type) return [];
  const actual = typeOf(value);
  if (actual !== schema.type) return [`${at}: ${actual} where the schema has ${schema.type}`];
  if (schema.type === 'array') return schema.items ? (value as unknown[]).flatMap((item, i) => schemaErrors(item, schema.items!, definitions, `${at}[${i}]`)) : [];
  if (schema.type !== 'object') return [];
  const object = value as Record<string, unknown>;
  const errors: string[] = [];
  for (const key of schema.required ?? []) if (!(key in object)) errors.push(`${at}.${key}: missing (required)`);
  for (const [key, field] of Object.entries(object)) {
    const known = schema.properties?.[key];
    if (known) errors.push(...schemaErrors(field, known, definitions, `${at}.${key}`));
    else if (schema.additionalProperties === false) errors.push(`${at}.${key}: not in the schema`);
    else if (typeof schema.additionalProperties === 'object') errors.push(...schemaErrors(field, schema.additionalProperties, definitions, `${at}.${key}`));
  }
  return errors;
}

/** What each SDK page class reads from `result_info` (src/core/pagination.ts of the SDK). */
const PAGE_INFO: Record<string, Schema> = {
  SinglePage: {},
  V4PagePaginationArray: { type: 'object', properties: { page: { type: 'number' }, per_page: { type: 'number' } }, required: ['page', 'per_page'] },
  V4PagePagination: { type: 'object', properties: { page: { type: 'number' }, per_page: { type: 'number' } }, required: ['page', 'per_page'] },
  CursorPagination: { type: 'object', properties: { count: { type: 'number' }, cursor: { type: 'string' }, per_page: { type: 'number' } } },
  CursorLimitPagination: { type: 'object', properties: { count: { type: 'number' }, cursor: { type: 'string' }, per_page: { type: 'number' } } },
};

/** Every way a whole response body departs from the route's schema: envelope, pagination, result. */
export function responseErrors(body: unknown, route: SchemaRoute, definitions: Record<string, Schema>): string[] {
  if (route.raw) return body === undefined ? [] : ['body: JSON where the API sends raw bytes'];
  const envelope = body as { success?: unknown; errors?: unknown; messages?: unknown; result?: unknown; result_info?: unknown };
  const errors: string[] = [];
  if (typeOf(body) !== 'object') return [`body: ${typeOf(body)} where the API sends an object`];
  if (envelope.success !== true) errors.push('success: not true');
  if (!Array.isArray(envelope.errors)) errors.push('errors: not an array');
  if (!Array.isArray(envelope.messages)) errors.push('messages: not an array');
  if (route.pagination) {
    const info = PAGE_INFO[route.pagination];
    if (!info) return [...errors, `pagination ${route.pagination}: not known to this checker`];
    const result = envelope.result as { items?: unknown } | null;
    // V4PagePagination pages carry `result.items`; where the SDK names the whole result as the item
    // (Worker deployments: `result.deployments`), the result itself is checked.
    if (route.pagination === 'V4PagePagination' && !(result && 'items' in result)) errors.push(...schemaErrors(result, route.item!, definitions));
    else errors.push(...schemaErrors(route.pagination === 'V4PagePagination' ? result?.items : result, { type: 'array', items: route.item }, definitions));
    // The SDK reads result_info when present (`body.result_info || {}`), so only its shape is checked.
    if (info.type && envelope.result_info !== undefined) errors.push(...schemaErrors(envelope.result_info, info, definitions, 'result_info'));
  } else if (route.body) {
    // Every v4 answer carries `result`; the SDK's whole-body types leave out a null one.
    const { result, ...rest } = envelope;
    errors.push(...schemaErrors(result === null ? rest : body, route.body, definitions, 'body'));
  } else if (route.result) {
    errors.push(...schemaErrors(envelope.result, route.result, definitions));
  }
  return errors;
}
