import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchemaNode, toJsonSchema, YangCompiler } from './yang';

export const YANG_DIR = join(__dirname, '..', '..', '..', '..', 'shared', 'corpus', 'osm-im-rel9-yang', 'src', 'main', 'yang');

/** OSM IM Release 9: the `vnfd` container, one `nsd` of the `nsd` container's list, one `nst` list entry. */
export function descriptorSchemasFromYang(dir = YANG_DIR): Record<'vnfd' | 'nsd' | 'nst', Record<string, unknown>> {
  const files = [dir, join(dir, 'augments')].flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.yang'))
      .map((f) => ({ name: f, text: readFileSync(join(d, f), 'utf8') })),
  );
  // the augmented etsi-nfv-* copies replace the originals of the same name
  const byName = new Map(files.map((f) => [f.name, f]));
  const compiler = new YangCompiler([...byName.values()]);
  const root = (module: string, name: string): SchemaNode => {
    const node = compiler.compile(module).find((n) => n.name === name);
    if (!node) throw new Error(`no ${name} in module ${module}`);
    return node;
  };
  const nsdContainer = root('etsi-nfv-nsd', 'nsd');
  const nsdList = 'children' in nsdContainer ? nsdContainer.children.find((c) => c.name === 'nsd') : undefined;
  const nst = root('nst', 'nst');
  return {
    vnfd: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'OSM IM R9 VNFD',
      ...toJsonSchema(root('etsi-nfv-vnfd', 'vnfd')),
    },
    nsd: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'OSM IM R9 NSD',
      ...(toJsonSchema(nsdList!) as { items: object }).items,
    },
    nst: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'OSM IM R9 NST',
      ...(toJsonSchema(nst) as { items: object }).items,
    },
  };
}
