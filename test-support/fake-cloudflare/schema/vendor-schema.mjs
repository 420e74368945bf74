#!/usr/bin/env node
// Vendors the part of Cloudflare's published API schema that the fake serves, as test data:
// cloudflare-schema.json. The source is the cloudflare-typescript SDK (npm `cloudflare`), which Stainless
// generates from Cloudflare's OpenAPI spec (cloudflare/api-schemas): each SDK method carries the route's HTTP
// method, its path, its pagination and its response type. Run by hand when bumping the source version:
//
//   npm pack cloudflare@7.3.0 && tar xzf cloudflare-7.3.0.tgz
//   node test-support/fake-cloudflare/schema/vendor-schema.mjs ./package
//
// Only routes the fake answers (the `on('METHOD', '/path'` lines of fake-cloudflare-api.ts) are kept.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));
const sdkRoot = process.argv[2];
if (!sdkRoot) {
  console.error('usage: node vendor-schema.mjs <unpacked cloudflare package>');
  process.exit(1);
}
const sdk = JSON.parse(readFileSync(join(sdkRoot, 'package.json'), 'utf8'));

/** The fake's routes, with params named by position so both sides compare: /accounts/{}/workers/scripts/{} */
const fakeSource = readFileSync(join(here, '..', 'fake-cloudflare-api.ts'), 'utf8');
const shapeOf = (path) => path.replace(/:[a-z_]+|\{[^}]+\}/g, '{}');
const fakeRoutes = new Map([...fakeSource.matchAll(/\bon\('([A-Z]+)', '([^']+)'/g)].map(([, method, path]) => [`${method} ${shapeOf(path)}`, { method, path }]));

const files = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) walk(join(dir, entry.name));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(join(dir, entry.name));
  }
};
walk(join(sdkRoot, 'src', 'resources'));
const program = ts.createProgram(files, { target: ts.ScriptTarget.ES2022, moduleResolution: ts.ModuleResolutionKind.Node10, strict: true, noEmit: true, skipLibCheck: true, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'] });
const checker = program.getTypeChecker();

const definitions = {};
const names = new Map();
const nameOf = (type) => {
  if (checker.isArrayType(type) || checker.isTupleType(type)) return undefined;
  const symbol = type.aliasSymbol ?? type.getSymbol();
  if (!symbol || !(symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) || type.aliasTypeArguments?.length) return undefined;
  const decl = symbol.declarations?.[0];
  if (!decl || !decl.getSourceFile().fileName.startsWith(join(sdkRoot, 'src'))) return undefined;
  const file = relative(join(sdkRoot, 'src'), decl.getSourceFile().fileName).replace(/\.ts$/, '');
  return `${file}#${checker.getFullyQualifiedName(symbol).replace(/^".*"\./, '')}`;
};

function schemaOf(type, top = false) {
  const named = top ? undefined : nameOf(type);
  if (named) {
    if (!names.has(named)) {
      names.set(named, true);
      definitions[named] = schemaOf(type, true);
    }
    return { $ref: named };
  }
  const f = type.flags;
  if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
  if (f & ts.TypeFlags.Null) return { type: 'null' };
  if (f & ts.TypeFlags.StringLiteral) return { const: type.value };
  if (f & ts.TypeFlags.NumberLiteral) return { const: type.value };
  if (f & ts.TypeFlags.BooleanLiteral) return { const: checker.typeToString(type) === 'true' };
  if (f & ts.TypeFlags.String) return { type: 'string' };
  if (f & ts.TypeFlags.Number) return { type: 'number' };
  if (f & ts.TypeFlags.Boolean) return { type: 'boolean' };
  if (type.isUnion()) {
    const members = type.types.filter((t) => !(t.flags & ts.TypeFlags.Undefined));
    const literals = members.filter((t) => t.flags & ts.TypeFlags.BooleanLiteral);
    const rest = members.filter((t) => !(t.flags & ts.TypeFlags.BooleanLiteral));
    const anyOf = [...(literals.length === 2 ? [{ type: 'boolean' }] : literals.map((t) => schemaOf(t))), ...rest.map((t) => schemaOf(t))];
    return anyOf.length === 1 ? anyOf[0] : { anyOf };
  }
  if (checker.isArrayType(type) || checker.isTupleType(type)) return { type: 'array', items: schemaOf(checker.getTypeArguments(type)[0] ?? checker.getAnyType()) };
  if (f & ts.TypeFlags.Object) {
    const properties = {};
    const required = [];
    for (const property of checker.getPropertiesOfType(type)) {
      const decl = property.valueDeclaration ?? property.declarations?.[0];
      if (!decl) continue;
      properties[property.name] = schemaOf(checker.getTypeOfSymbolAtLocation(property, decl));
      if (!(property.flags & ts.SymbolFlags.Optional)) required.push(property.name);
    }
    const index = checker.getIndexInfosOfType(type)[0];
    // `interface Bindings {}`: the spec gives no shape (TypeScript accepts any non-null value there too).
    if (Object.keys(properties).length === 0 && !index) return {};
    const doc = { type: 'object', properties };
    if (required.length) doc.required = required;
    // An interface without an index signature lists every field the API documents: others are not allowed.
    doc.additionalProperties = index ? schemaOf(index.type) : false;
    return doc;
  }
  return {};
}

const routes = {};
for (const file of program.getSourceFiles().filter((s) => files.includes(s.fileName))) {
  ts.forEachChild(file, function visit(node) {
    if (ts.isMethodDeclaration(node) && node.body && node.type && ts.isTypeReferenceNode(node.type)) {
      let call;
      node.body.forEachChild(function find(n) {
        if (!call && ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && /^(get|post|put|patch|delete|getAPIList)$/.test(n.expression.name.text) && n.expression.expression.getText() === 'this._client' && n.arguments[0] && (ts.isTaggedTemplateExpression(n.arguments[0]) || ts.isStringLiteral(n.arguments[0]))) call = n;
        else n.forEachChild(find);
      });
      if (call) {
        const template = ts.isStringLiteral(call.arguments[0]) ? call.arguments[0] : call.arguments[0].template;
        const path = ts.isStringLiteral(template) || ts.isNoSubstitutionTemplateLiteral(template)
          ? template.text
          : template.head.text + template.templateSpans.map((s) => `{${s.expression.getText()}}` + s.literal.text).join('');
        let method = call.expression.name.text === 'getAPIList' ? 'GET' : call.expression.name.text.toUpperCase();
        if (call.expression.name.text === 'getAPIList' && /method:\s*'(\w+)'/.test(call.getText())) method = /method:\s*'(\w+)'/.exec(call.getText())[1].toUpperCase();
        const key = `${method} ${shapeOf(path)}`;
        const fake = fakeRoutes.get(key);
        if (fake) {
          const returned = node.type;
          const sdkMethod = `${ts.getNameOfDeclaration(node.parent)?.getText()}.${node.name.getText()} (${relative(join(sdkRoot, 'src'), file.fileName)})`;
          if (call.expression.name.text === 'getAPIList') {
            const page = call.arguments[1].getText().replace(/<.*$/s, '');
            routes[`${fake.method} ${fake.path}`] = { sdk: sdkMethod, schemaPath: `${method} ${path}`, pagination: page, item: schemaOf(checker.getTypeFromTypeNode(returned.typeArguments[1])) };
          } else {
            // Most methods answer `body.result`; the few that do not unwrap it describe the whole body.
            const unwraps = /_thenUnwrap\(\(obj\) => obj\.result\)/.test(node.body.getText());
            // A raw answer (a KV value's bytes): no JSON to check.
            if ((returned.typeArguments?.[0]?.getText() ?? '') === 'Response') {
              routes[`${fake.method} ${fake.path}`] = { sdk: sdkMethod, schemaPath: `${method} ${path}`, raw: true };
              return ts.forEachChild(node, visit);
            }
            const schema = schemaOf(checker.getTypeFromTypeNode(returned.typeArguments?.[0] ?? returned));
            routes[`${fake.method} ${fake.path}`] = { sdk: sdkMethod, schemaPath: `${method} ${path}`, ...(unwraps ? { result: schema } : { body: schema }) };
          }
        }
      }
    }
    ts.forEachChild(node, visit);
  });
}

const sorted = Object.fromEntries(Object.entries(routes).sort(([a], [b]) => a.localeCompare(b)));
const out = {
  source: {
    package: `cloudflare@${sdk.version}`,
    repository: 'github.com/cloudflare/cloudflare-typescript (generated by Stainless from github.com/cloudflare/api-schemas)',
    how: 'test-support/fake-cloudflare/schema/vendor-schema.mjs',
  },
  routes: sorted,
  notInSchema: [...fakeRoutes.values()].map((r) => `${r.method} ${r.path}`).filter((r) => !routes[r]).sort(),
  definitions: Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))),
};
writeFileSync(join(here, 'cloudflare-schema.json'), `${JSON.stringify(out, null, 1)}\n`);

// The README's route table, between its markers: each route with the schema route and SDK method it is checked against.
const NOT_IN_SCHEMA_SOURCE = {
  'DELETE /accounts/:account/storage/kv/namespaces/:id/bulk': 'wrangler 4.86 `kv bulk delete` (the schema has POST …/bulk/delete)',
  'GET /accounts/:account/workers/scripts/:name/routes': 'wrangler 4.86 `deploy` with routes',
  'PUT /accounts/:account/workers/scripts/:name/routes': 'wrangler 4.86 `deploy` with routes',
  'GET /accounts/:account/workers/services/:name': 'wrangler 4.86 `deploy` (does the Worker exist?)',
};
const rows = [
  ...Object.entries(sorted).map(([route, r]) => `| \`${route}\` | \`${r.schemaPath}\` — ${r.sdk.replace(/ \(.*\)$/, '')}${r.pagination ? ` (${r.pagination})` : ''} |`),
  ...out.notInSchema.map((route) => `| \`${route}\` | not in the schema: ${NOT_IN_SCHEMA_SOURCE[route] ?? 'source not recorded'} |`),
];
const readmePath = join(here, '..', 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const table = `<!-- routes -->\n| Route of the fake | Checked against (${out.source.package}) |\n|---|---|\n${rows.join('\n')}\n<!-- /routes -->`;
writeFileSync(readmePath, readme.replace(/<!-- routes -->[\s\S]*<!-- \/routes -->/, table));
console.log(`${Object.keys(routes).length} routes vendored from cloudflare@${sdk.version}; ${out.notInSchema.length} fake routes not in the schema:\n  ${out.notInSchema.join('\n  ')}`);
