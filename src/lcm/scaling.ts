import type { ResourceRef } from '../../vim-adapters/contract/src';
import { DomainError } from '../common/errors/domain-error';
import type { OpStep, OwnedResource } from '../records/ns.entities';
import { InstantiateParams, planInstantiation } from './planner';
import { applyStep, computeStep, pinZones, waitStep } from './workflows';
import { Obj, list } from '../common/values';

export interface ScaleInput {
  nsId: string;
  opId: string;
  direction: 'SCALE_OUT' | 'SCALE_IN';
  group: string;
  member: string;
  vnfrId: string;
  vnfd: Obj;
  nsd: Obj;
  params: InstantiateParams;
  /** The member VNF's current `vdur` entries. */
  vdur: Obj[];
  /** The group's current scaling level (scale-out steps in force). */
  level: number;
  zone?: string;
  resources: OwnedResource[];
}

const invalid = (detail: string) =>
  DomainError.unprocessable('NS_INSTANCE.INVALID_SCALE', detail, [{ path: 'scaleVnfData.scaleByStepData', message: detail }]);

/**
 * Steps of one scaling step of a VNF's scaling aspect (SOL006 `scaling-aspect` with `vdu-delta`): scale-out
 * adds the delta's instances with the next count indexes, in the VNF's zone; scale-in removes the newest
 * ones. `max-scale-level` and the VDU profiles' instance limits are enforced (422 naming the limit).
 */
export function planScale(input: ScaleInput): OpStep[] {
  const df = list(input.vnfd.df)[0] ?? {};
  const aspects = list(df['scaling-aspect']);
  const aspect = aspects.find((a) => String(a.id) === input.group);
  if (!aspect) {
    const known = aspects.map((a) => String(a.id));
    throw invalid(
      `scaling-group-descriptor '${input.group}' is not a scaling aspect of VNF ${input.member}` +
        (known.length ? ` (${known.join(', ')})` : ' (its VNFD declares none)'),
    );
  }
  const maxLevel = Number(aspect['max-scale-level'] ?? 1);
  const deltas = new Map<string, number>();
  for (const d of list((aspect['aspect-delta-details'] as Obj | undefined)?.deltas).slice(0, 1)) {
    for (const v of list(d['vdu-delta'])) deltas.set(String(v.id), Number(v['number-of-instances'] ?? 1));
  }
  if (!deltas.size) throw invalid(`scaling aspect '${input.group}' has no vdu-delta`);
  const profiles = new Map(list(df['vdu-profile']).map((p) => [String(p.id), p]));
  const current = (vdu: string) => input.vdur.filter((v) => String(v['vdu-id-ref']) === vdu);
  const finalize: OpStep = {
    key: 'finalize',
    kind: 'finalize',
    state: 'PENDING',
    attempts: 0,
    data: {
      phase: 'scale',
      scaling: { group: input.group, member: input.member, delta: input.direction === 'SCALE_OUT' ? 1 : -1 },
    },
  };

  if (input.direction === 'SCALE_IN') {
    if (input.level <= 0)
      throw invalid(
        `scaling group '${input.group}' of VNF ${input.member} is at its minimum scale level (0): nothing to scale in`,
      );
    const steps: OpStep[] = [];
    for (const [vdu, n] of deltas) {
      const min = Number(profiles.get(vdu)?.['min-number-of-instances'] ?? 0);
      const existing = current(vdu).sort((a, b) => Number(b['count-index']) - Number(a['count-index']));
      if (existing.length - n < min)
        throw invalid(`VDU '${vdu}' would have ${existing.length - n} instance(s), below its min-number-of-instances ${min}`);
      for (const v of existing.slice(0, n)) {
        const name = String(v.name);
        const vim = String(v['vim-account-id']);
        steps.push(removeStep('compute', name, vim));
        // its volumes are named after it (planner: `<compute name>-<storage id>`)
        for (const r of input.resources.filter((x) => x.kind === 'volume' && x.name.startsWith(`${name}-`)))
          steps.push(removeStep('volume', r.name, r.vimAccountId));
      }
    }
    return [...steps, finalize];
  }

  if (input.level + 1 > maxLevel)
    throw invalid(`scaling group '${input.group}' of VNF ${input.member} is at its max-scale-level ${maxLevel}`);
  const counts = new Map<string, number>();
  for (const [vdu, n] of deltas) {
    const now = current(vdu).length;
    const max = profiles.get(vdu)?.['max-number-of-instances'];
    if (max !== undefined && now + n > Number(max))
      throw invalid(`VDU '${vdu}' would have ${now + n} instance(s), above its max-number-of-instances ${String(max)}`);
    counts.set(vdu, now + n);
  }
  const plan = planInstantiation({
    nsId: input.nsId,
    nsd: input.nsd,
    vnfds: new Map([[String(input.vnfd.id), input.vnfd]]),
    params: input.params,
    vnfrIds: new Map([[input.member, input.vnfrId]]),
    opId: input.opId,
    members: new Set([input.member]),
    vduCounts: counts,
  });
  const added = plan.computes.filter(
    (c) => c.memberVnfIndex === input.member && counts.has(c.vduId) && c.countIndex >= current(c.vduId).length,
  );
  const volumes = new Set(added.flatMap((c) => c.desired.volumes ?? []));
  const steps: OpStep[] = [
    ...plan.volumes
      .filter((v) => volumes.has(v.desired.ref.name))
      .map((v) => applyStep(v.vimAccountId, v.desired, { memberVnfIndex: v.memberVnfIndex })),
    ...added.map(computeStep),
    ...added.map((c) => waitStep(c.vimAccountId, c.desired.ref)),
  ];
  pinZones(steps, new Map([[input.member, input.zone]]));
  return [...steps, finalize];
}

const removeStep = (kind: 'compute' | 'volume', name: string, vimAccountId: string): OpStep => ({
  key: `remove ${kind} ${name}`,
  kind: 'remove',
  state: 'PENDING',
  attempts: 0,
  vimAccountId,
  ref: { kind, name, labels: {} } as ResourceRef,
});
