import { Logger } from '@nestjs/common';
import { In, Not, Repository } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { scaleLevel } from '../lcm/step-results';
import { AdminAccountEntity } from '../records/vim.entities';
import { NsInstanceEntity, NsLcmOpOccEntity } from '../records/ns.entities';
import { list } from '../common/values';
import type { CollectedNs, CollectedVnf } from './collector';
import type { PolicyDef } from './descriptor-loops';
import { evaluatePolicy, freshPolicyState, PolicyState } from './evaluation';
import { AutoScaler } from './ports';

const FINAL = ['COMPLETED', 'PARTIALLY_COMPLETED', 'FAILED', 'ROLLED_BACK'];
/** Metrics a Kubernetes HorizontalPodAutoscaler already follows (lcm/container-plan.ts). */
const HPA_METRICS = ['cpu_utilization', 'average_memory_utilization', 'memory_utilization'];

/**
 * The automatic scaling policies of the collected NS instances: evaluated every round, at most one decision per
 * NS, the state persisted in the NS's `closed_loops` (one column only the loop writes) before the operation starts,
 * so a restart neither forgets a cooldown nor fires the same decision twice.
 */
export class AutoScalingLoop {
  private readonly logger = new Logger('AutoScaling');

  constructor(
    private readonly nss: Repository<NsInstanceEntity>,
    private readonly ops: Repository<NsLcmOpOccEntity>,
    private readonly accounts: Repository<AdminAccountEntity>,
    private readonly scaler: AutoScaler,
  ) {}

  async evaluate(collected: CollectedNs[], now = Date.now() / 1000): Promise<void> {
    const withPolicies = collected.filter((c) => c.vnfs.some((v) => v.loops.policies.length));
    if (!withPolicies.length) return;
    const nsIds = withPolicies.map((c) => c.ns.id);
    const open = await this.ops.find({
      select: { id: true, nsInstanceId: true },
      where: { nsInstanceId: In(nsIds), operationState: Not(In(FINAL)) },
    });
    const busy = new Set(open.map((o) => o.nsInstanceId));
    const kubernetes = await this.kubernetesVims();
    for (const c of withPolicies) {
      try {
        await this.evaluateNs(c, busy.has(c.ns.id), kubernetes, now);
      } catch (e) {
        this.logger.error(`NS ${c.ns.id}: policy evaluation failed: ${(e as Error).message}`);
      }
    }
  }

  private async evaluateNs(c: CollectedNs, busy: boolean, kubernetes: Set<string>, now: number): Promise<void> {
    const previous = new Map(
      list((c.ns.closedLoops as { policies?: unknown } | null)?.policies).map((p) => {
        const s = p as unknown as PolicyState;
        return [`${s.member}/${s.aspect}/${s.policy}`, s];
      }),
    );
    const states: PolicyState[] = [];
    let decided: {
      vnf: CollectedVnf;
      policy: PolicyDef;
      state: PolicyState;
      action: 'SCALE_OUT' | 'SCALE_IN';
      reason: string;
    } | null = null;
    for (const vnf of c.vnfs)
      for (const policy of vnf.loops.policies) {
        const member = vnf.vnf.memberVnfIndex;
        let state =
          previous.get(`${member}/${policy.aspect}/${policy.name}`) ?? freshPolicyState(member, policy.aspect, policy.name);
        state = await this.settlePending(state, policy, now);
        if (this.followedByHpa(vnf, policy, kubernetes)) {
          states.push({ ...state, status: 'on Kubernetes: followed by the HorizontalPodAutoscaler, not by this loop' });
          continue;
        }
        const result = evaluatePolicy({
          policy,
          state,
          values: vnf.means,
          level: scaleLevel(c.ns, policy.aspect, member),
          // one decision per NS and round; and never beside another operation
          busy: busy || decided !== null || state.pendingOpId !== null,
          now,
        });
        if (result.action && !decided)
          decided = { vnf, policy, state: result.state, action: result.action, reason: result.reason };
        states.push(result.state);
      }

    if (decided) {
      // the decision is persisted before the operation starts: a crash in between cools down instead of firing twice
      const s = decided.state;
      s.lastDecision = { at: now, action: decided.action, reason: decided.reason };
      s.cooldownUntil = now + decided.policy.cooldownTimeS;
      s.outSince = null;
      s.inSince = null;
      s.status = `${decided.action} decided: ${decided.reason}`;
      await this.save(c.ns.id, states);
      try {
        const opId = await this.scaler.scale({
          nsId: c.ns.id,
          member: decided.vnf.vnf.memberVnfIndex,
          aspect: decided.policy.aspect,
          policy: decided.policy.name,
          direction: decided.action,
          reason: decided.reason,
        });
        s.lastDecision.opId = opId;
        s.pendingOpId = opId;
        this.logger.log(
          `NS ${c.ns.id}: ${decided.action} ${decided.policy.aspect} of VNF ${s.member} (op ${opId}): ${decided.reason}`,
        );
      } catch (e) {
        // refused (another operation started meanwhile, a limit): recorded, and no cooldown for what did not happen
        s.lastDecision.error = e instanceof DomainError ? `${e.status} ${e.message}` : (e as Error).message;
        s.cooldownUntil = null;
        s.status = `${decided.action} refused: ${s.lastDecision.error}`;
      }
    }
    if (JSON.stringify(states) !== JSON.stringify([...previous.values()])) await this.save(c.ns.id, states);
  }

  /** An automatic operation seen finished: the cooldown runs from its end. */
  private async settlePending(state: PolicyState, policy: PolicyDef, now: number): Promise<PolicyState> {
    if (!state.pendingOpId) return state;
    const op = await this.ops.findOne({
      select: { id: true, operationState: true, statusEnteredTime: true },
      where: { id: state.pendingOpId },
    });
    if (op && !FINAL.includes(op.operationState)) return state;
    const ended = op ? Number(op.statusEnteredTime) || now : now;
    return {
      ...state,
      pendingOpId: null,
      cooldownUntil: ended + policy.cooldownTimeS,
      lastDecision: state.lastDecision ? { ...state.lastDecision, ...(op ? { outcome: op.operationState } : {}) } : null,
    };
  }

  /** A CPU/memory utilisation policy of VDUs on Kubernetes is an HPA (made at instantiation), not this loop's. */
  private followedByHpa(vnf: CollectedVnf, policy: PolicyDef, kubernetes: Set<string>): boolean {
    const metrics = policy.criteria.map((c) => vnf.loops.params.find((p) => p.id === c.metric)?.metric ?? '');
    if (!metrics.length || !metrics.every((m) => HPA_METRICS.includes(m))) return false;
    const vdurs = list(vnf.vnf.record.vdur).filter((v) => policy.vdus.includes(String(v['vdu-id-ref'])));
    return vdurs.length > 0 && vdurs.every((v) => kubernetes.has(String(v['vim-account-id'])));
  }

  private async kubernetesVims(): Promise<Set<string>> {
    const rows = await this.accounts.find({
      select: { id: true, topic: true, record: true },
      where: { topic: In(['vim_accounts', 'k8sclusters']) },
    });
    return new Set(rows.filter((r) => r.topic === 'k8sclusters' || r.record?.vim_type === 'kubernetes').map((r) => r.id));
  }

  private async save(nsId: string, policies: PolicyState[]): Promise<void> {
    await this.nss.update({ id: nsId }, { closedLoops: { policies } } as never);
  }
}
