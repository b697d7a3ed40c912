import type { Repository } from 'typeorm';
import type { Session } from '../auth/session';
import { DomainError, FieldProblem } from '../common/errors/domain-error';
import { isUuid } from '../common/ids';
import { ProjectScope } from '../common/records/project-scope';
import { list } from '../common/values';
import { nsDf, withDeclaredParams } from '../lcm/flavour';
import type { InstantiateParams } from '../lcm/planner';
import type { CatalogItemEntity } from '../records/catalog-item.entity';
import type { AccountsService } from '../vims/accounts.service';
import { instantiateSchema } from './params';

/** An instantiate request resolved against the catalog and the VIM accounts the session may use. */
export class NsRequestResolver {
  constructor(
    private readonly catalog: Repository<CatalogItemEntity>,
    private readonly accounts: Pick<AccountsService, 'canUseVim'>,
  ) {}

  /** The request checked against OSM's schema and the NSD: unknown member-vnf-index, vld or VIM → 422 naming it. */
  async resolve(session: Session, body: unknown) {
    const params = instantiateSchema.validate(body);
    for (const v of params.vnf ?? []) v['member-vnf-index'] = String(v['member-vnf-index']);
    for (const v of params.additionalParamsForVnf ?? []) v['member-vnf-index'] = String(v['member-vnf-index']);
    const nsd = await this.catalogItem(session, 'nsd', params.nsdId);
    if (!nsd) {
      throw DomainError.unprocessable('NS_INSTANCE.UNKNOWN_NSD', `nsdId: NSD '${params.nsdId}' not found`, [
        { path: 'nsdId', message: 'not found' },
      ]);
    }
    const problems: FieldProblem[] = [];
    if (!(await this.accounts.canUseVim(session, params.vimAccountId)))
      problems.push({ path: 'vimAccountId', message: `VIM account '${params.vimAccountId}' not found` });
    const flavours = list(nsd.descriptor.df).map((d) => String(d.id));
    if (params.nsFlavourId !== undefined && !flavours.includes(params.nsFlavourId))
      problems.push({
        path: 'nsFlavourId',
        message: `'${params.nsFlavourId}' is not a deployment flavour of the NSD (${flavours.join(', ')})`,
      });
    const profiles = list(nsDf(nsd.descriptor, params.nsFlavourId)['vnf-profile']);
    const members = new Set(profiles.map((p) => String(p.id)));
    const vlds = new Set(list(nsd.descriptor['virtual-link-desc']).map((v) => String(v.id)));
    const vnfds = new Map<string, CatalogItemEntity>();
    for (const vp of profiles) {
      const vnfd = await this.catalogItem(session, 'vnfd', String(vp['vnfd-id']));
      if (!vnfd) problems.push({ path: 'nsdId', message: `VNFD '${String(vp['vnfd-id'])}' of the NSD is not onboarded` });
      else vnfds.set(String(vp['vnfd-id']), vnfd);
    }
    (params.vnf ?? []).forEach((v, i) => {
      if (!members.has(v['member-vnf-index']))
        problems.push({
          path: `vnf[${i}].member-vnf-index`,
          message: `'${v['member-vnf-index']}' is not a member-vnf-index of the NSD (${[...members].join(', ')})`,
        });
    });
    for (const [i, v] of (params.vnf ?? []).entries()) {
      if (v.vimAccountId && !(await this.accounts.canUseVim(session, v.vimAccountId)))
        problems.push({ path: `vnf[${i}].vimAccountId`, message: `VIM account '${v.vimAccountId}' not found` });
    }
    (params.additionalParamsForVnf ?? []).forEach((v, i) => {
      if (!members.has(v['member-vnf-index']))
        problems.push({
          path: `additionalParamsForVnf[${i}].member-vnf-index`,
          message: `'${v['member-vnf-index']}' is not a member-vnf-index of the NSD`,
        });
    });
    (params.vld ?? []).forEach((v, i) => {
      if (!vlds.has(v.name))
        problems.push({
          path: `vld[${i}].name`,
          message: `'${v.name}' is not a virtual-link-desc of the NSD (${[...vlds].join(', ')})`,
        });
      (v['vnfd-connection-point-ref'] ?? []).forEach((r, j) => {
        r['member-vnf-index-ref'] = String(r['member-vnf-index-ref']);
        if (!members.has(r['member-vnf-index-ref']))
          problems.push({
            path: `vld[${i}].vnfd-connection-point-ref[${j}].member-vnf-index-ref`,
            message: `'${r['member-vnf-index-ref']}' is not a member-vnf-index`,
          });
      });
    });
    // the flavours' declared instantiation parameters: defaults filled in, wrong types and ranges named
    const declared = withDeclaredParams(
      nsd.descriptor,
      params.nsFlavourId,
      (id) => vnfds.get(id)?.descriptor,
      params.additionalParamsForVnf,
    );
    problems.push(...declared.problems);
    params.additionalParamsForVnf = declared.additionalParamsForVnf;
    if (problems.length) {
      throw DomainError.invalidFields('NS_INSTANCE.INVALID_PARAMS', problems);
    }
    return { params: params as InstantiateParams, nsd, vnfds };
  }

  private async catalogItem(session: Session, kind: 'nsd' | 'vnfd', ref: string): Promise<CatalogItemEntity | undefined> {
    // a descriptor id may itself be a UUID (SOL001 descriptor_id): by _id first, then by descriptor id
    const byId = isUuid(ref) ? await this.catalog.findBy({ kind, id: ref }) : [];
    const rows = byId.length ? byId : await this.catalog.findBy({ kind, descriptorId: ref });
    const scope = ProjectScope.of(session);
    // own or public descriptors can be instantiated; an own one wins over a public one with the same id
    const visible = rows.filter((r) => r.descriptorId && scope.canRead(r));
    return visible.find((r) => r.projectsRead.some((p) => scope.projects.includes(p))) ?? visible[0];
  }
}
