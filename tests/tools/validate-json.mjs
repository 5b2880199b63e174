// Validates JSON documents against a JSON Schema (draft-07 or 2020-12) with Ajv.
// Usage: node validate-json.mjs SCHEMA DOCUMENT...
// Prints each violation as `DOCUMENT: <instance path> <message>` and exits 1 if any.
import { readFileSync } from "node:fs";
import Ajv from "ajv";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [schemaPath, ...documents] = process.argv.slice(2);
if (!schemaPath || documents.length === 0) {
  console.error("usage: node validate-json.mjs SCHEMA DOCUMENT...");
  process.exit(2);
}
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
const draft2020 = String(schema.$schema ?? "").includes("2020-12");
// Unicode regular expressions: OSCAL's patterns use \p{L} and \p{N}.
const options = { allErrors: true, strict: false, unicodeRegExp: true };
const ajv = draft2020 ? new Ajv2020(options) : new Ajv(options);
addFormats(ajv);
const validate = ajv.compile(schema);
let failed = false;
for (const path of documents) {
  const doc = JSON.parse(readFileSync(path, "utf8"));
  if (validate(doc)) {
    console.log(`${path}: valid`);
  } else {
    failed = true;
    for (const e of validate.errors ?? []) {
      console.log(`${path}: ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
    }
  }
}
process.exit(failed ? 1 : 0);
