import { FindOptionsSelect, Repository } from 'typeorm';
import { CatalogItemEntity } from '../records/catalog-item.entity';
import { NsInstanceEntity } from '../records/ns.entities';
import { NsiEntity } from '../records/nsi.entities';
import type { DescriptorKind } from './descriptor-model/validation';

/** The columns the usage checks read (never the package or descriptor text). */
const USAGE: FindOptionsSelect<CatalogItemEntity> = {
  id: true,
  kind: true,
  descriptorId: true,
  projectsRead: true,
  descriptor: true,
};

/** Which catalog items are in use, and by whom: descriptors referencing them, NS and slice instances. */
export class CatalogUsage {
  constructor(
    private readonly items: Repository<CatalogItemEntity>,
    private readonly nsInstances: Repository<NsInstanceEntity>,
    private readonly nsis: Repository<NsiEntity>,
  ) {}

  /** Who still uses this item, as OSM words it; undefined when nobody does. */
  async userOf(kind: DescriptorKind, item: CatalogItemEntity): Promise<string | undefined> {
    const id = item.descriptorId!;
    const shares = (r: CatalogItemEntity) => r.projectsRead.some((p) => item.projectsRead.includes(p));
    if (kind === 'vnfd') {
      const nsd = (await this.items.find({ select: USAGE, where: { kind: 'nsd' } })).find(
        (n) => shares(n) && asArray(n.descriptor['vnfd-id']).includes(id),
      );
      return nsd && `There is at least one NSD ('${nsd.descriptorId}') using this VNF package`;
    }
    if (kind === 'nsd') {
      const ns = await this.nsInstances.findOne({ select: { id: true, name: true }, where: { nsdId: item.id } });
      if (ns) return `There is at least one NS instance ('${ns.name}') using this NS descriptor`;
    }
    if (kind === 'nsd') {
      const nst = (await this.items.find({ select: USAGE, where: { kind: 'nst' } })).find(
        (n) => shares(n) && listOf(n.descriptor['netslice-subnet']).some((s) => String(s['nsd-ref']) === id),
      );
      return nst && `There is at least one NST ('${nst.descriptorId}') using this NS descriptor`;
    }
    if (kind === 'nst') {
      const nsi = await this.nsis.findOne({ select: { id: true, name: true }, where: { nstId: item.id } });
      if (nsi) return `There is at least one NSI ('${nsi.name}') using this NST`;
    }
    return undefined;
  }

  async idsInUse(kind: DescriptorKind): Promise<Set<string>> {
    if (kind === 'vnfd')
      return new Set(
        (await this.items.find({ select: USAGE, where: { kind: 'nsd' } })).flatMap((n) => asArray(n.descriptor['vnfd-id'])),
      );
    if (kind === 'nsd')
      return new Set(
        (await this.items.find({ select: USAGE, where: { kind: 'nst' } })).flatMap((n) =>
          listOf(n.descriptor['netslice-subnet']).map((s) => String(s['nsd-ref'])),
        ),
      );
    if (kind === 'nst') {
      const used = new Set((await this.nsis.find({ select: { id: true, nstId: true } })).map((n) => n.nstId));
      return new Set(
        (await this.items.find({ select: USAGE, where: { kind: 'nst' } }))
          .filter((n) => used.has(n.id))
          .map((n) => n.descriptorId!),
      );
    }
    return new Set();
  }
}

const asArray = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const listOf = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? (v as Record<string, unknown>[]) : []);
