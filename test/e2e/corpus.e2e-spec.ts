import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { parse } from 'yaml';
import { folderEntries, makeTarGz, TarEntry } from '../utils/packages';
import { asJson, createTestDatabase, startTestApp, TestApp, TestDatabase } from '../utils/test-app';

/**
 * Every SOL006 (OSM Release 9+) VNFD, NSD and NST of ../shared/corpus onboards through the HTTP API,
 * in dependency order, each collection in a project of its own.
 * Packages are sent as they are, checksums.txt included: lines naming files the corpus copy left out and lines
 * whose file was edited after packing come back as `_admin.warnings` (OSM Release 8 accepts both), counted below.
 * Adjustments, because the corpus copies left files out (see corpus/SOURCES.md):
 *  - a cloud-init file or charm the descriptor names but the copy lacks is supplied as a placeholder (a package
 *    that lacks a file its descriptor names is refused, rightly);
 *  - NSTs whose NSDs are not in the corpus get minimal placeholder NSDs with those ids.
 */
const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'corpus');
type Kind = 'vnfd' | 'nsd' | 'nst';
interface Found {
  kind: Kind;
  file: string;
  id: string;
  doc: Record<string, unknown>;
}

function descriptorsOf(collection: string): Found[] {
  const out: Found[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(name)) {
        let doc: unknown;
        try {
          doc = parse(readFileSync(full, 'utf8'), { version: '1.1' });
        } catch {
          continue;
        }
        if (!doc || typeof doc !== 'object') continue;
        const o = doc as Record<string, Record<string, unknown> | undefined>;
        const vnfd = o.vnfd ?? o['etsi-nfv-vnfd:vnfd'];
        const nsd = (o.nsd as { nsd?: Record<string, unknown>[] } | undefined)?.nsd;
        if (vnfd && !Array.isArray(vnfd)) out.push({ kind: 'vnfd', file: full, id: String(vnfd.id), doc: vnfd });
        else if (Array.isArray(nsd)) out.push({ kind: 'nsd', file: full, id: String(nsd[0].id), doc: nsd[0] });
        else if (Array.isArray(o.nst))
          out.push({
            kind: 'nst',
            file: full,
            id: String((o.nst as Record<string, unknown>[])[0].id),
            doc: (o.nst as Record<string, unknown>[])[0],
          });
      }
    }
  };
  walk(join(CORPUS, collection));
  return out;
}

/** An OSM package of the descriptor's folder when it is a package folder; else undefined (upload the bare file). */
function packageEntries(found: Found, notes: string[]): TarEntry[] | undefined {
  const dir = dirname(found.file);
  const siblings = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  const isPackage = existsSync(join(dir, 'checksums.txt')) && siblings.length === 1;
  if (!isPackage) return undefined;
  const top = basename(dir);
  const entries = folderEntries(dir, top);
  const names = new Set(entries.map((e) => e.name));
  for (const vdu of (found.doc.vdu as Record<string, unknown>[] | undefined) ?? []) {
    const file = vdu['cloud-init-file'];
    if (file && !names.has(`${top}/cloud_init/${file}`)) {
      entries.push({ name: `${top}/cloud_init/${file}`, content: '#cloud-config\n' });
      notes.push(`${relative(CORPUS, dir)}: placeholder cloud_init/${file}`);
    }
  }
  const day12 = (
    (found.doc.df as Record<string, Record<string, Record<string, Record<string, unknown>[]>>>[] | undefined) ?? []
  ).flatMap((df) => df['lcm-operations-configuration']?.['operate-vnf-op-config']?.['day1-2'] ?? []);
  for (const cfg of day12) {
    for (const ee of (cfg['execution-environment-list'] as Record<string, { charm?: string }>[] | undefined) ?? []) {
      const charm = ee.juju?.charm;
      if (charm && ![...names].some((n) => n.startsWith(`${top}/charms/${charm}`))) {
        entries.push({ name: `${top}/charms/${charm}/metadata.yaml`, content: `name: ${charm}\n` });
        notes.push(`${relative(CORPUS, dir)}: placeholder charms/${charm}/`);
      }
    }
  }
  return entries;
}

describe('corpus: every SOL006 descriptor of ../shared/corpus onboards', () => {
  let db: TestDatabase;
  let t: TestApp;
  let admin: string;
  const notes: string[] = [];
  const collections = readdirSync(CORPUS).filter((c) => statSync(join(CORPUS, c)).isDirectory() && descriptorsOf(c).length > 0);

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(db);
    admin = await t.login();
  });
  afterAll(async () => {
    // say what was adjusted, as the issue asks
    process.stdout.write(`corpus adjustments:\n  ${notes.join('\n  ')}\n`);
    await t.close();
    await db.drop();
  });

  it('finds SOL006 descriptors of every kind', () => {
    const all = collections.flatMap(descriptorsOf);
    expect(all.filter((f) => f.kind === 'vnfd').length).toBeGreaterThanOrEqual(19);
    expect(all.filter((f) => f.kind === 'nsd').length).toBeGreaterThanOrEqual(15);
    expect(all.filter((f) => f.kind === 'nst').length).toBeGreaterThanOrEqual(3);
  });

  it.each(collections)('onboards %s (VNFDs, then NSDs resolving them, then NSTs)', async (collection) => {
    await asJson(t.http.post('/osm/admin/v1/projects'), admin)
      .send({ name: `corpus-${collection}` })
      .expect(201);
    await asJson(t.http.patch('/osm/admin/v1/users/admin'), admin)
      .send({ add_project_role_mappings: [{ project: `corpus-${collection}`, role: 'system_admin' }] })
      .expect(204);
    const token = await t.login('admin', undefined, `corpus-${collection}`);
    const found = descriptorsOf(collection);
    const onboarded = new Map<string, string>();
    const order: Kind[] = ['vnfd', 'nsd', 'nst'];
    const paths: Record<Kind, string> = {
      vnfd: '/osm/vnfpkgm/v1/vnf_packages_content',
      nsd: '/osm/nsd/v1/ns_descriptors_content',
      nst: '/osm/nst/v1/netslice_templates_content',
    };
    for (const kind of order) {
      if (kind === 'nst') {
        for (const nst of found.filter((f) => f.kind === 'nst')) {
          for (const sub of (nst.doc['netslice-subnet'] as { 'nsd-ref': string }[]) ?? []) {
            const ref = sub['nsd-ref'];
            if (onboarded.has(`nsd/${ref}`)) continue;
            const placeholder = {
              nsd: { nsd: [{ id: ref, name: ref, designer: 'placeholder', version: '1.0', 'vnfd-id': [] }] },
            };
            await asJson(t.http.post(paths.nsd), token).send(placeholder).expect(201);
            onboarded.set(`nsd/${ref}`, 'placeholder');
            notes.push(`${collection}: placeholder NSD '${ref}' for NST '${nst.id}'`);
          }
        }
      }
      for (const f of found.filter((x) => x.kind === kind)) {
        const key = `${kind}/${f.id}`;
        if (onboarded.has(key)) {
          // the same descriptor id twice in one collection (copies of one package): the first one stands
          notes.push(`${relative(CORPUS, f.file)}: ${kind} '${f.id}' already onboarded from ${onboarded.get(key)}`);
          continue;
        }
        const entries = packageEntries(f, notes);
        const res = entries
          ? await asJson(t.http.post(paths[kind]), token)
              .set('Content-Type', 'application/gzip')
              .send(await makeTarGz(entries))
          : await asJson(t.http.post(paths[kind]), token).set('Content-Type', 'text/plain').send(readFileSync(f.file));
        if (res.status !== 201)
          throw new Error(`${relative(CORPUS, f.file)} (${entries ? 'package' : 'bare'}): ${res.status} ${res.body.detail}`);
        if (entries) {
          const path =
            kind === 'vnfd' ? 'vnfpkgm/v1/vnf_packages' : kind === 'nsd' ? 'nsd/v1/ns_descriptors' : 'nst/v1/netslice_templates';
          const record = (await asJson(t.http.get(`/osm/${path}/${res.body.id}`), token).expect(200)).body;
          const warnings = (record._admin.warnings ?? []) as string[];
          if (warnings.length)
            notes.push(`${relative(CORPUS, f.file)}: onboarded with ${warnings.length} warning(s), e.g. ${warnings[0]}`);
        }
        onboarded.set(key, relative(CORPUS, f.file));
      }
    }
    const nsds = await asJson(t.http.get('/osm/nsd/v1/ns_descriptors'), token).expect(200);
    for (const nsd of nsds.body as { 'vnfd-id'?: string[] }[]) {
      for (const vnfdId of nsd['vnfd-id'] ?? []) expect(onboarded.has(`vnfd/${vnfdId}`)).toBe(true);
    }
  });
});
