// Checks an OpenAPI document with swagger-parser (against the OpenAPI 3.1 schema, with every
// $ref resolved), then checks answers a real server gave against it: each case names the method,
// the request path, the status and content type received and a file holding the body; the body
// must be a response the document declares for that operation, status and media type, and a
// JSON body must validate against its schema (Ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses).
// Usage: node check-openapi.mjs OPENAPI.json CASES.json
// Prints a line per problem and exits 1 if any.
import { readFileSync } from "node:fs";
import SwaggerParser from "@apidevtools/swagger-parser";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [specPath, casesPath] = process.argv.slice(2);
if (!specPath || !casesPath) {
  console.error("usage: node check-openapi.mjs OPENAPI.json CASES.json");
  process.exit(2);
}
let failed = false;
const problem = (msg) => {
  failed = true;
  console.log(msg);
};
const spec = JSON.parse(readFileSync(specPath, "utf8"));
try {
  await SwaggerParser.validate(structuredClone(spec));
  console.log(`${specPath}: valid OpenAPI ${spec.openapi}`);
} catch (e) {
  problem(`${specPath}: ${e.message}`);
}
const api = await SwaggerParser.dereference(structuredClone(spec));
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);

// `/v1/crosswalk/{target}` matches `/v1/crosswalk/eu-ai-act`.
function operation(method, path) {
  for (const [template, item] of Object.entries(api.paths)) {
    const pattern = new RegExp(
      "^" + template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}/g, "[^/]+") + "$",
    );
    if (pattern.test(path)) return item[method.toLowerCase()] ? [template, item[method.toLowerCase()]] : [template, null];
  }
  return [null, null];
}

const cases = JSON.parse(readFileSync(casesPath, "utf8"));
for (const c of cases) {
  const label = `${c.method} ${c.path} -> ${c.status}`;
  const [template, op] = operation(c.method, c.path);
  if (!op) {
    problem(`${label}: the document has no such operation (${template ?? "no path"})`);
    continue;
  }
  const response = op.responses?.[String(c.status)];
  if (!response) {
    problem(`${label}: status ${c.status} is not declared for ${c.method} ${template}`);
    continue;
  }
  const media = (c.content_type ?? "").split(";")[0].trim();
  const content = response.content?.[media];
  if (!content) {
    problem(`${label}: content type ${media} is not declared (declared: ${Object.keys(response.content ?? {}).join(", ")})`);
    continue;
  }
  const body = readFileSync(c.body, "utf8");
  if (media.endsWith("json")) {
    let doc;
    try {
      doc = JSON.parse(body);
    } catch (e) {
      problem(`${label}: the body is not JSON: ${e.message}`);
      continue;
    }
    const validate = ajv.compile(content.schema ?? {});
    if (!validate(doc)) {
      for (const e of validate.errors ?? []) {
        problem(`${label}: ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
      }
      continue;
    }
  }
  console.log(`${label}: as documented`);
}
// Every operation of the document was exercised by some case.
for (const [template, item] of Object.entries(api.paths)) {
  for (const method of ["get", "post", "put", "delete", "patch"]) {
    if (!item[method]) continue;
    const hit = cases.some((c) => c.method.toLowerCase() === method && operation(c.method, c.path)[0] === template);
    if (!hit) problem(`${method.toUpperCase()} ${template}: no case exercised it`);
  }
}
process.exit(failed ? 1 : 0);
