import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderOpenApiYaml } from '../../src/app.factory';
import { createTestDatabase, startTestApp } from '../utils/test-app';

describe('openapi.yaml', () => {
  it('is what the code generates (run `npm run openapi:sync` after changing the API)', async () => {
    const db = await createTestDatabase();
    const t = await startTestApp(db);
    try {
      const committed = readFileSync(join(__dirname, '..', '..', 'openapi.yaml'), 'utf8');
      expect(renderOpenApiYaml(t.app)).toEqual(committed);
      const docs = await t.http.get('/docs/openapi.json').expect(200);
      expect(Object.keys(docs.body.paths)).toContain('/osm/admin/v1/users/{id}');
    } finally {
      await t.close();
      await db.drop();
    }
  });
});
