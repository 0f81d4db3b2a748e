// Writes the JSON Schemas editors and tools use: schemas/scenario.schema.json (from the scenario zod
// schema) and schemas/report.schema.json. `npm run schemas`; test/schemas/schemas.test.ts fails when
// the committed files are stale.
import { writeFileSync } from 'node:fs';
import { schemaFiles } from '../src/harness/schema-files.ts';

for (const [path, text] of Object.entries(schemaFiles())) {
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
