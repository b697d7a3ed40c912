import Ajv from 'ajv';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataSource } from 'typeorm';
import { parse, stringify } from 'yaml';
import { folderEntries, makeTarGz, makeZip } from '../utils/packages';
import { MULTIVDU } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, unknown>;
type Json = unknown;

/**
 * Hostile input, generated: query strings abusing OSM's filter syntax, a wrong type at every field of a real VNFD
 * (derived from the SOL006 schema), YAML bombs and tricks, random and truncated archives. Every one answers 4xx
 * with a reason — never 5xx, never a stack trace — and the catalog is byte-for-byte as before.
 */
const VNFD_TEXT = readFileSync(join(MULTIVDU, 'hackfest_multivdu_vnf', 'hackfest_multivdu_vnfd.yaml'), 'utf8');
const SCHEMA = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'src', 'catalog', 'descriptor-model', 'schemas', 'vnfd.schema.json'), 'utf8'),
) as Obj;
const tally = { requests: 0, status4xx: 0, status5xx: 0, accepted: 0 };

describe('hostile input: generated requests never cause a 5xx and leave nothing behind', () => {
  let t: TestApp;
  let admin: string;

  useTestApp(
    async (app, token) => {
      t = app;
      admin = token;
    },
    { maxBodyBytes: 8 * 1024 * 1024 },
  );
  afterAll(() => {
    process.stdout.write(
      `hostile input: ${tally.requests} requests, ${tally.status4xx} answered 4xx, ${tally.accepted} accepted harmlessly, ${tally.status5xx} 5xx\n`,
    );
  });

  /** What must not change when a request is refused: the stored catalog and instances, by content. */
  const snapshot = async (): Promise<string> => {
    const db = t.app.get(DataSource);
    const rows = await Promise.all(
      ['catalog_items', 'ns_instances', 'vnf_instances', 'ns_lcm_op_occs'].map((table) =>
        db.query(`SELECT * FROM ${table} ORDER BY id`),
      ),
    );
    return JSON.stringify(rows);
  };
  const judge = (res: { status: number; text: string }, what: string) => {
    tally.requests++;
    if (res.status >= 500) {
      tally.status5xx++;
      throw new Error(`${what}: ${res.status} ${res.text.slice(0, 300)}`);
    }
    if (res.status >= 400) tally.status4xx++;
    else tally.accepted++;
    expect(res.text).not.toMatch(/\n\s+at [\w.<>]+ \(|node_modules/);
  };

  describe('query strings', () => {
    const LISTS = [
      '/osm/vnfpkgm/v1/vnf_packages',
      '/osm/nsd/v1/ns_descriptors',
      '/osm/nslcm/v1/ns_instances',
      '/osm/nslcm/v1/ns_lcm_op_occs',
      '/osm/admin/v1/vim_accounts',
      '/osm/admin/v1/users',
      '/osm/admin/v1/projects',
      '/osm/pdu/v1/pdu_descriptors',
    ];
    const segment = fc.oneof(
      fc.constantFrom('_admin', 'created', 'name', 'id', 'ANYINDEX', '0', '__proto__', 'constructor', 'prototype', 'toString'),
      fc.constantFrom('gt', 'lt', 'gte', 'lte', 'neq', 'cont', 'ncont', 'eq', 'regex', 'where', '$ne'),
      fc.string({ maxLength: 12 }),
    );
    const key = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('.'));
    const value = fc.oneof(
      fc.constantFrom("' OR 1=1 --", '"; DROP TABLE users; --', '%00', '\\', '', ',,,', 'null', '1e999', '-0', 'NaN'),
      fc.string({ maxLength: 40 }),
    );

    it('filters abused with any key, operator and value: 200 or 4xx, never 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...LISTS), fc.array(fc.tuple(key, value), { maxLength: 4 }), async (path, pairs) => {
          const qs = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
          judge(await asJson(t.http.get(`${path}?${qs}`), admin), `GET ${path}?${qs}`);
        }),
        { numRuns: 300, seed: 42 },
      );
    });

    it('a filter never widens what a list returns', async () => {
      const all = (await asJson(t.http.get('/osm/admin/v1/projects'), admin).expect(200)).body as Obj[];
      for (const qs of ['name.neq=', '_admin.projects_read.cont=', 'ADMIN=', 'PUBLIC=true', '__proto__.x=1', 'name=admin,x']) {
        const res = await asJson(t.http.get(`/osm/admin/v1/projects?${qs}`), admin);
        judge(res, qs);
        if (res.status === 200) expect((res.body as Obj[]).length).toBeLessThanOrEqual(all.length);
      }
    });

    it('10,000 parameters and a 100 kB query string', async () => {
      const many = Array.from({ length: 10_000 }, (_, i) => `k${i}=${i}`).join('&');
      judge(await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages?${many}`), admin), '10,000 parameters');
      judge(await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages?name=${'x'.repeat(100_000)}`), admin), '100 kB value');
      judge(await asJson(t.http.get('/osm/vnfpkgm/v1/vnf_packages?_admin.created.gt='), admin), 'empty number');
    });
  });

  describe('descriptors', () => {
    const post = (body: string | Buffer, type = 'text/plain') =>
      asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), admin).set('Content-Type', type).send(body);
    const refused = async (body: string | Buffer, what: string, type?: string) => {
      const before = await snapshot();
      const res = await post(body, type);
      judge(res, what);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(String(res.body.detail ?? '')).not.toBe('');
      expect(await snapshot()).toBe(before);
      return res;
    };

    /** Every node of the real VNFD, with the schema that governs it and its path as our errors name it. */
    function nodes(
      value: Json,
      schema: Obj | undefined,
      path: string,
      out: { path: string; schema: Obj; at: (string | number)[] }[],
      at: (string | number)[] = [],
    ) {
      if (!schema) return;
      if (path) out.push({ path, schema, at });
      if (Array.isArray(value)) value.forEach((v, i) => nodes(v, schema.items as Obj, `${path}[${i}]`, out, [...at, i]));
      else if (value && typeof value === 'object')
        for (const [k, v] of Object.entries(value as Obj))
          nodes(v, (schema.properties as Record<string, Obj> | undefined)?.[k], `${path}.${k}`, out, [...at, k]);
    }

    it('a wrong type at every field of a real VNFD: 422 naming that field, nothing stored', async () => {
      const ajv = new Ajv({ strict: false, allErrors: false });
      const doc = parse(VNFD_TEXT, { version: '1.1' }) as { vnfd: Obj };
      const found: { path: string; schema: Obj; at: (string | number)[] }[] = [];
      nodes(doc.vnfd, SCHEMA, 'vnfd', found);
      const candidates: Json[] = [{ bad: { deeper: 1 } }, ['bad', ['list']], 'bad string', 3.25, -7, true];
      let checked = 0;
      for (const node of found) {
        const validate = ajv.compile(node.schema);
        const wrong = candidates.find((c) => !validate(c));
        if (wrong === undefined) continue;
        const copy = structuredClone(doc) as { vnfd: Obj };
        let parent: Json = copy.vnfd;
        for (const step of node.at.slice(0, -1)) parent = (parent as Record<string | number, Json>)[step];
        (parent as Record<string | number, Json>)[node.at[node.at.length - 1]] = wrong;
        const res = await refused(stringify(copy), `wrong type at ${node.path}`);
        expect(res.status).toBe(422);
        const paths = ((res.body.errors ?? []) as { path: string }[]).map((e) => e.path);
        if (!paths.some((p) => p === node.path || p.startsWith(`${node.path}.`) || p.startsWith(`${node.path}[`)))
          throw new Error(`${node.path} ← ${JSON.stringify(wrong)}: errors name ${JSON.stringify(paths)}`);
        checked++;
      }
      expect(checked).toBeGreaterThan(50);
      process.stdout.write(`hostile input: ${checked} VNFD fields given a wrong type, each refused naming it\n`);
    }, 120_000);

    it('YAML bombs and tricks', async () => {
      const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let i = 1; i < 10; i++)
        laughs.push(
          `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
            .fill(`*${String.fromCharCode(96 + i)}`)
            .join(',')}]`,
        );
      await refused(laughs.join('\n'), 'billion laughs');
      await refused('vnfd: !!js/function "function () { return 1 }"', 'js function tag');
      await refused('vnfd: !!python/object/apply:os.system ["id"]', 'python tag');
      await refused('vnfd:\n  id: x\n  vdu: !custom {a: 1}', 'custom tag');
      await refused(`${'['.repeat(20_000)}${']'.repeat(20_000)}`, 'deep nesting (flow)');
      await refused(
        `vnfd:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 2)}k${i}:`).join('\n')} 1`,
        'deep nesting (block)',
      );
      await refused(`vnfd:\n  id: ${'x'.repeat(7 * 1024 * 1024)}`, '7 MB string');
      await refused(Buffer.from([0x76, 0x6e, 0x66, 0x64, 0x3a, 0x20, 0xff, 0xfe, 0xc3, 0x28, 0x0a]), 'not UTF-8');
      await refused('{"vnfd": {"id": "x", "__proto__": {"polluted": true}}}', '__proto__ key', 'application/json');
      expect(({} as Obj).polluted).toBeUndefined();
    });

    it('random and truncated archives: 4xx, never 5xx', async () => {
      const real = await makeTarGz(folderEntries(join(MULTIVDU, 'hackfest_multivdu_vnf'), 'hackfest_multivdu_vnf'));
      const zip = await makeZip([{ name: 'TOSCA-Metadata/TOSCA.meta', content: 'TOSCA-Meta-File-Version: 1.0\n' }]);
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from(b)])),
            fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.from(b)])),
            fc.uint8Array({ minLength: 1, maxLength: 512 }).map((b) => gzipSync(Buffer.from(b))),
            fc.integer({ min: 0, max: real.length - 1 }).map((n) => real.subarray(0, n)),
            fc.integer({ min: 0, max: zip.length - 1 }).map((n) => zip.subarray(0, n)),
          ),
          fc.constantFrom('application/gzip', 'application/zip', 'application/binary'),
          async (body, type) => {
            await refused(Buffer.from(body), `${body.length}-byte archive as ${type}`, type);
          },
        ),
        { numRuns: 80, seed: 7 },
      );
      await refused(Buffer.alloc(0), '0-byte archive', 'application/gzip');
    }, 180_000);
  });
});
