/**
 * Derives the descriptor JSON Schemas from OSM's Release 9 YANG (in ../shared/corpus/osm-im-rel9-yang):
 *   npx ts-node --transpile-only scripts/generate-descriptor-schemas.ts
 * The output is committed; a test regenerates it and fails when it differs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { descriptorSchemasFromYang } from '../src/catalog/descriptor-model/generate';

const out = join(__dirname, '..', 'src', 'catalog', 'descriptor-model', 'schemas');
for (const [kind, schema] of Object.entries(descriptorSchemasFromYang())) {
  writeFileSync(join(out, `${kind}.schema.json`), `${JSON.stringify(schema, null, 1)}\n`);
}
