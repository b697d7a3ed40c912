import { Injectable } from '@nestjs/common';
import type { CatalogItemEntity } from '../records/catalog-item.entity';
import { DomainError, FieldProblem } from '../common/errors/domain-error';
import {
  checkPrimitiveParams,
  day12,
  executionEnvironment,
  PrimitiveRun,
  primitiveSteps,
  renderTemplate,
  resolveValue,
  vimTypeMismatch,
} from './day-n';
import { InstantiateParams, Plan, PlannedKdu, resourceName } from './planner';
import type { OpStep, VnfInstanceEntity } from '../records/ns.entities';
import { Obj, list, str, truthy } from '../common/values';
import { parseYamlAll } from '../common/yaml/safe-parse';
import { PackageFiles } from './package-port';
import { vnfProfiles } from './flavour';
import type { HelmRepo } from '../../vim-adapters/contract/src';
import { helmSource } from './helm-source';

/** Day-0 user data and day-1/day-2 primitive steps, from the descriptors and the files of their packages. */
@Injectable()
export class DayNService {
  constructor(private readonly packages: PackageFiles) {}

  /** Rendered cloud-init by `<member>/<vdu>`; a parameter it needs and nobody gives → 422 naming it. */
  async cloudInit(nsd: Obj, vnfds: Map<string, CatalogItemEntity>, params: InstantiateParams): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const problems: FieldProblem[] = [];
    for (const vp of vnfProfiles(nsd, params.nsFlavourId)) {
      const member = String(vp.id);
      const item = vnfds.get(String(vp['vnfd-id']))!;
      let files: Map<string, Buffer> | undefined;
      for (const vdu of list(item.descriptor.vdu)) {
        const vduId = String(vdu.id);
        let text = str(vdu['cloud-init']);
        const file = str(vdu['cloud-init-file']);
        if (text === undefined && file !== undefined) {
          files ??= await this.filesOf(item);
          text = files.get(`cloud_init/${file}`)?.toString('utf8');
          if (text === undefined) {
            problems.push({ path: `nsdId`, message: `VNF ${member}: cloud-init file '${file}' is not in its package` });
            continue;
          }
        }
        if (text === undefined) continue;
        out.set(
          `${member}/${vduId}`,
          renderTemplate(text, vduParams(params, member, vduId), `additionalParamsForVnf[member-vnf-index=${member}]`, problems),
        );
      }
    }
    if (problems.length) throw DomainError.invalidFields('NS_INSTANCE.INVALID_PARAMS', problems);
    return out;
  }

  /**
   * The KDUs of every VNF as Kubernetes objects, deployed by the Kubernetes VIM or cluster `targetOf` names for the
   * VNF's VIM: our `manifest-file` extension (a multi-document YAML in the package's `manifests/`, with `{{ param }}`
   * from `additionalParamsForKdu`), or a Helm chart (`helm-chart`: in the package's `charts/`, `<repo>/<chart>` of a
   * `k8srepos` entry, or `oci://…`), rendered afterwards by the cluster's adapter. Juju bundles → 422 (no juju here).
   */
  async kdus(
    ids: { nsId: string; opId: string },
    nsd: Obj,
    vnfds: Map<string, CatalogItemEntity>,
    params: InstantiateParams,
    vnfrIds: Map<string, string>,
    targetOf: (member: string) => Promise<string>,
    repoOf: (name: string) => Promise<HelmRepo | string | undefined> = async () => undefined,
  ): Promise<PlannedKdu[]> {
    const out: PlannedKdu[] = [];
    const problems: FieldProblem[] = [];
    const ns8 = ids.nsId.replace(/-/g, '').slice(0, 8);
    for (const vp of vnfProfiles(nsd, params.nsFlavourId)) {
      const member = String(vp.id);
      const item = vnfds.get(String(vp['vnfd-id']))!;
      for (const kdu of list(item.descriptor.kdu)) {
        const name = String(kdu.name);
        const at = `vnfd ${String(item.descriptor.id)} kdu '${name}'`;
        const file = str(kdu['manifest-file']);
        const ref = {
          kind: 'kdu' as const,
          name: resourceName(ns8, member, name),
          labels: {
            'mano.ns-instance': ids.nsId,
            'mano.op': ids.opId,
            'mano.vnf-instance': vnfrIds.get(member)!,
            'mano.member-vnf-index': member,
            'mano.kdu': name,
          },
        };
        const forVnf = params.additionalParamsForVnf?.find((a) => String(a['member-vnf-index']) === member) as Obj | undefined;
        const forKdu = list(forVnf?.additionalParamsForKdu).find((k) => str(k.kdu_name) === name);
        const chartRef = str(kdu['helm-chart']);
        if (!file && chartRef) {
          // rendered later by the cluster's adapter (helm template), once its account is known
          const helm = await helmSource(
            chartRef,
            kdu,
            ref.name,
            (forKdu?.additionalParams as Obj | undefined) ?? {},
            () => this.filesOf(item),
            repoOf,
          );
          if (typeof helm === 'string') problems.push({ path: 'nsdId', message: `${at}: ${helm}` });
          else
            out.push({
              memberVnfIndex: member,
              vnfrId: vnfrIds.get(member)!,
              kduName: name,
              helm: { chart: chartRef, release: helm.release },
              vimAccountId: await targetOf(member),
              desired: { ref, objects: [], helm },
            });
          continue;
        }
        if (!file) {
          problems.push({
            path: 'nsdId',
            message: `${at} is ${kdu['juju-bundle'] !== undefined ? 'a Juju bundle: not supported here (no juju)' : 'nothing deployable'}; ship a Helm chart (helm-chart) or Kubernetes manifests (manifest-file)`,
          });
          continue;
        }
        const text = (await this.filesOf(item)).get(`manifests/${file}`)?.toString('utf8');
        if (text === undefined) {
          problems.push({ path: 'nsdId', message: `${at}: manifests/${file} is not in its package` });
          continue;
        }
        const values = { ...vnfParams(params, member), ...((forKdu?.additionalParams as Obj | undefined) ?? {}) };
        const path = `additionalParamsForVnf[member-vnf-index=${member}].additionalParamsForKdu[kdu_name=${name}]`;
        const rendered = renderTemplate(text, values, path, problems, `manifests/${file}`);
        let objects: Obj[];
        try {
          objects = (await parseYamlAll(rendered)).filter((d): d is Obj => d !== null && d !== undefined) as Obj[];
        } catch (e) {
          problems.push({ path: 'nsdId', message: `${at}: manifests/${file} is not YAML: ${(e as Error).message}` });
          continue;
        }
        objects.forEach((o, i) => {
          const meta = o.metadata as Obj | undefined;
          if (typeof o !== 'object' || Array.isArray(o) || !str(o.apiVersion) || !str(o.kind) || !str(meta?.name))
            problems.push({
              path: 'nsdId',
              message: `${at}: document ${i + 1} of manifests/${file} needs apiVersion, kind and metadata.name`,
            });
        });
        out.push({
          memberVnfIndex: member,
          vnfrId: vnfrIds.get(member)!,
          kduName: name,
          vimAccountId: await targetOf(member),
          desired: { ref, objects },
        });
      }
    }
    if (problems.length) throw DomainError.invalidFields('NS_INSTANCE.KDU', problems);
    return out;
  }

  /**
   * Day-1: each VNF's (and VDU's) `initial-config-primitive` in `seq` order, on the computes of the plan. A day-1
   * that needs a Juju or Helm execution environment cannot run here: 422 naming the VNF and the environment, before
   * anything is created, unless `additionalParamsForVnf[].additionalParams.skip-day1` is true for that VNF (its
   * whole day-1 is then skipped and said in the notes for the NS's configuration status).
   */
  async day1(nsd: Obj, vnfds: Map<string, CatalogItemEntity>, params: InstantiateParams, plan: Plan) {
    const steps: OpStep[] = [];
    const notes: Obj[] = [];
    const problems: FieldProblem[] = [];
    for (const vp of vnfProfiles(nsd, params.nsFlavourId)) {
      const member = String(vp.id);
      const skipAt = (params.additionalParamsForVnf ?? []).findIndex((v) => String(v['member-vnf-index']) === member);
      const skipDay1 =
        skipAt >= 0 && truthy((params.additionalParamsForVnf![skipAt].additionalParams as Obj | undefined)?.['skip-day1']);
      const item = vnfds.get(String(vp['vnfd-id']))!;
      const vnfd = item.descriptor;
      const targetsOf = (vduId: string | undefined, onlyFirst: boolean) =>
        plan.computes
          .filter(
            (c) => c.memberVnfIndex === member && c.vduId === (vduId ?? mgmtVdu(vnfd)) && (!onlyFirst || c.countIndex === 0),
          )
          .map((c) => ({ vimAccountId: c.vimAccountId, computeName: c.desired.ref.name }));
      for (const id of [String(vnfd.id), ...list(vnfd.vdu).map((v) => String(v.id))]) {
        const config = day12(vnfd, id);
        if (!config) continue;
        const vduId = id === String(vnfd.id) ? undefined : id;
        const primitives = list(config['initial-config-primitive']).sort((a, b) => Number(a.seq ?? 0) - Number(b.seq ?? 0));
        for (const p of primitives) {
          if (skipDay1) {
            const skipped = { primitive: name(p), 'member-vnf-index': member, status: 'skipped' };
            notes.push({ ...skipped, detail: 'skip-day1 is set for this VNF' });
            continue;
          }
          const run = await this.run(
            item,
            config,
            p,
            member,
            vduId,
            (values) => Object.fromEntries(list(p.parameter).map((x) => [String(x.name), resolveValue(x.value, values)])),
            params,
          );
          if ('note' in run)
            problems.push({
              path: `vnf[${member}]`,
              message:
                `VNF ${member}: day-1 primitive '${name(p)}' needs ${String(run.note.environment)} execution environment ` +
                `'${String(run.note['execution-environment'])}', and ${String(run.note.environment)} is not available here ` +
                `(set additionalParamsForVnf[].additionalParams.skip-day1: true for member-vnf-index ${member} to instantiate without day-1)`,
            });
          else steps.push(...primitiveSteps(run, targetsOf(vduId, vduId === undefined), 'day1'));
        }
      }
    }
    if (problems.length) throw DomainError.invalidFields('NS_INSTANCE.DAY1_NOT_RUNNABLE', problems);
    return { steps, notes };
  }

  /**
   * Day-1 (or terminate) steps of scripts that need another VIM type (`script.vim-types`) are not run: SKIPPED with
   * the reason on the step, and returned as notes for the NS's configuration status. Never a pretended success.
   */
  async skipUnrunnable(steps: OpStep[], vimTypeOf: (vimAccountId: string) => Promise<string | undefined>): Promise<Obj[]> {
    const notes: Obj[] = [];
    for (const step of steps) {
      const run = step.data as unknown as PrimitiveRun;
      const why = vimTypeMismatch(run, await vimTypeOf(step.vimAccountId!));
      if (!why) continue;
      step.state = 'SKIPPED';
      step.data = { ...step.data, skipped: why };
      notes.push({ primitive: run.primitive, 'member-vnf-index': run.memberVnfIndex, status: 'skipped', detail: why });
    }
    return notes;
  }

  /**
   * Before a terminate removes anything: each VNF's (and VDU's) `terminate-config-primitive` in `seq` order, on
   * its running computes. Only script environments run; the rest is skipped, as at day-1.
   */
  async terminatePrimitives(vnfRows: VnfInstanceEntity[], items: Map<string, CatalogItemEntity>): Promise<OpStep[]> {
    const steps: OpStep[] = [];
    for (const vnf of vnfRows) {
      const item = items.get(String(vnf.record['vnfd-id']));
      if (!item) continue;
      const vnfd = item.descriptor;
      const params = {
        additionalParamsForVnf: [
          { 'member-vnf-index': vnf.memberVnfIndex, additionalParams: (vnf.record.additionalParamsForVnf as Obj | null) ?? {} },
        ],
      } as InstantiateParams;
      for (const id of [String(vnfd.id), ...list(vnfd.vdu).map((v) => String(v.id))]) {
        const config = day12(vnfd, id);
        if (!config) continue;
        const vduId = id === String(vnfd.id) ? undefined : id;
        const vdur = list(vnf.record.vdur).filter(
          (v) => String(v['vdu-id-ref']) === (vduId ?? mgmtVdu(vnfd)) && (vduId !== undefined || Number(v['count-index']) === 0),
        );
        for (const p of list(config['terminate-config-primitive']).sort((a, b) => Number(a.seq ?? 0) - Number(b.seq ?? 0))) {
          const run = await this.run(
            item,
            config,
            p,
            vnf.memberVnfIndex,
            vduId,
            (values) => Object.fromEntries(list(p.parameter).map((x) => [String(x.name), resolveValue(x.value, values)])),
            params,
          );
          if ('note' in run) continue;
          steps.push(
            ...primitiveSteps(
              run,
              vdur.map((v) => ({ vimAccountId: String(v['vim-account-id']), computeName: String(v.name) })),
              'terminate',
            ),
          );
        }
      }
    }
    return steps;
  }

  /** Day-2: one declared `config-primitive` with checked parameters, on the VNF's management VDU or the given VDU instance. */
  async day2(
    item: CatalogItemEntity,
    vnf: VnfInstanceEntity,
    body: ActionBody,
    vimTypeOf: (vimAccountId: string) => Promise<string | undefined>,
  ): Promise<OpStep[]> {
    const vnfd = item.descriptor;
    const vduId = body.vdu_id;
    const config = day12(vnfd, vduId ?? String(vnfd.id));
    const declared = list(config?.['config-primitive']);
    const primitive = declared.find((p) => String(p.name) === body.primitive);
    if (!config || !primitive) {
      const known = declared.map((p) => String(p.name));
      throw DomainError.unprocessable(
        'NS_ACTION.UNKNOWN_PRIMITIVE',
        `primitive: '${body.primitive}' is not a config-primitive of ${vduId ? `VDU '${vduId}' of ` : ''}VNF ${vnf.memberVnfIndex}` +
          (known.length ? ` (${known.join(', ')})` : ' (it declares none)'),
        [{ path: 'primitive', message: 'not declared' }],
      );
    }
    const checked = checkPrimitiveParams(list(primitive.parameter), body.primitive_params ?? {});
    const run = await this.run(item, config, primitive, vnf.memberVnfIndex, vduId, () => checked, {} as InstantiateParams);
    if ('note' in run)
      throw DomainError.unprocessable(
        'NS_ACTION.NOT_RUNNABLE',
        `primitive '${body.primitive}' of VNF ${vnf.memberVnfIndex} uses ${String(run.note.environment)} execution environment '${String(run.note['execution-environment'])}': ${String(run.note.environment)} is not available here; only script execution environments run`,
        [{ path: 'primitive', message: 'not a script primitive' }],
      );
    const vdur = list(vnf.record.vdur).filter(
      (v) =>
        String(v['vdu-id-ref']) === (vduId ?? mgmtVdu(vnfd)) && Number(v['count-index']) === Number(body.vdu_count_index ?? 0),
    );
    if (!vdur.length)
      throw DomainError.unprocessable(
        'NS_ACTION.NO_TARGET',
        `VNF ${vnf.memberVnfIndex} has no instance ${body.vdu_count_index ?? 0} of VDU '${vduId ?? mgmtVdu(vnfd)}'`,
        [{ path: 'vdu_count_index', message: 'no such instance' }],
      );
    for (const v of vdur) {
      const why = vimTypeMismatch(run, await vimTypeOf(String(v['vim-account-id'])));
      if (why)
        throw DomainError.unprocessable('NS_ACTION.VIM_TYPE', why, [
          { path: 'primitive', message: `needs a VIM of type ${run.env.vimTypes!.join(' or ')}` },
        ]);
    }
    return primitiveSteps(
      run,
      vdur.map((v) => ({ vimAccountId: String(v['vim-account-id']), computeName: String(v.name) })),
      'day2',
    );
  }

  private async run(
    item: CatalogItemEntity,
    config: Obj,
    primitive: Obj,
    member: string,
    vduId: string | undefined,
    paramsOf: (values: Obj) => Obj,
    params: InstantiateParams,
  ): Promise<{ note: Obj } | PrimitiveRun> {
    const env = executionEnvironment(config, primitive['execution-environment-ref']);
    const name = String(primitive.name);
    if (env.kind !== 'script')
      return {
        note: {
          primitive: name,
          'member-vnf-index': member,
          environment: env.kind,
          'execution-environment': env.id ?? null,
          status: 'not run',
          detail: `${env.kind} execution environments are not available here`,
        },
      };
    const files = await this.filesOf(item);
    const script = files.get(`scripts/${env.file}`);
    if (!script)
      throw DomainError.conflict('NS_ACTION.SCRIPT_MISSING', `script '${env.file}' is not in the package of VNF ${member}`);
    return {
      primitive: name,
      params: paramsOf(vduId ? vduParams(params, member, vduId) : vnfParams(params, member)),
      env,
      files: { [`scripts/${env.file}`]: script.toString('utf8') },
      memberVnfIndex: member,
      vduId,
    };
  }

  /** A package's files, through the one unpack cache (instantiating reads cloud-init and scripts of the same few packages). */
  private filesOf(item: CatalogItemEntity): Promise<Map<string, Buffer>> {
    return this.packages.files(item);
  }
}

export interface ActionBody {
  member_vnf_index?: string | number;
  vdu_id?: string;
  vdu_count_index?: number;
  kdu_name?: string;
  primitive: string;
  primitive_params?: Obj;
}

/** The VDU the VNF's management connection point belongs to (where VNF-level primitives run). */
function mgmtVdu(vnfd: Obj): string {
  const mgmt = list(vnfd['ext-cpd']).find((e) => str(e.id) === str(vnfd['mgmt-cp']));
  return str((mgmt?.['int-cpd'] as Obj | undefined)?.['vdu-id']) ?? String(list(vnfd.vdu)[0]?.id);
}

function vnfParams(params: InstantiateParams, member: string): Obj {
  return params.additionalParamsForVnf?.find((a) => String(a['member-vnf-index']) === member)?.additionalParams ?? {};
}

function vduParams(params: InstantiateParams, member: string, vduId: string): Obj {
  const forVnf = params.additionalParamsForVnf?.find((a) => String(a['member-vnf-index']) === member) as Obj | undefined;
  const forVdu = list(forVnf?.additionalParamsForVdu).find((v) => str(v.vdu_id) === vduId);
  return { ...vnfParams(params, member), ...((forVdu?.additionalParams as Obj | undefined) ?? {}) };
}

const name = (p: Obj): string => String(p.name);
