// Validates chart values (JSON, as helm/render.sh -dump-values merges them)
// against the chart's values.schema.json, as Helm does before rendering.
//   node check-values.mjs values.schema.json values.json
import { readFileSync } from "node:fs";
import Ajv from "ajv";

const [schemaFile, valuesFile] = process.argv.slice(2);
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, "utf8")));
if (!validate(JSON.parse(readFileSync(valuesFile, "utf8")))) {
  console.error(`${valuesFile}: values do not match ${schemaFile}:`);
  for (const e of validate.errors) console.error(`  ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
  process.exit(1);
}
console.log(`${valuesFile}: values match the schema`);
