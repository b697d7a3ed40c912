import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { In, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { DomainError } from '../common/errors/domain-error';
import { nowSeconds } from '../common/ids';
import { Obj, list } from '../common/values';
import { APP_CONFIG, AppConfig } from '../config/env';
import { CatalogItemEntity } from '../records/catalog-item.entity';
import { NsInstanceEntity, VnfInstanceEntity } from '../records/ns.entities';
import { LoopLeaseEntity } from '../records/monitoring.entities';
import { LoopLease } from './loop-lease';
import { automatic, Health, HealingPolicy, healingPolicies, healNow } from './healing';
import { hasFailed } from './step-results';
import { VimAdapters } from './vim-port';

/** How the watcher starts a heal: given by the module that wires it (the operations are the API layer's). */
export abstract class HealOperations {
  /** Starts a HEAL operation of the orchestrator's own; `admin` changes the NS record saved with it. */
  abstract startAutomatic(nsId: string, body: Obj, admin: (ns: NsInstanceEntity) => void): Promise<string>;
}

interface Unhealthy {
  vnfrId: string;
  member: string;
  vdur: Obj;
  policy: HealingPolicy;
  health: Health;
}

/** What the NS shows in `_admin.healing`: its policies, the last decision with its reason, when each VDU was healed. */
interface HealingState {
  policies?: Obj[];
  lastHealed?: Record<string, number>;
  lastDecision?: { time: number; decision: string; reason: string; nslcmop?: string };
}

/**
 * Auto-healing (OSM's `healing-aspect`, recovery-type automatic, REDEPLOY_ONLY): every MANO_HEALING_INTERVAL_S the
 * VDU instances under such a policy are observed through their VIM adapter; one that is gone, or `Failed`, is healed
 * by a HEAL operation marked `isAutomaticInvocation` — unless its cooldown since its last heal has not passed, or
 * another operation is open on the NS (409 rules as for requests). One replica watches at a time (a lease in the
 * database); the last heal of each instance is kept on the NS, so a restart does not heal twice.
 */
@Injectable()
export class HealingWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Healing');
  private readonly lease: LoopLease;
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(NsInstanceEntity) private readonly nss: Repository<NsInstanceEntity>,
    @InjectRepository(VnfInstanceEntity) private readonly vnfs: Repository<VnfInstanceEntity>,
    @InjectRepository(CatalogItemEntity) private readonly catalog: Repository<CatalogItemEntity>,
    @InjectRepository(LoopLeaseEntity) leases: Repository<LoopLeaseEntity>,
    private readonly adapters: VimAdapters,
    private readonly operations: HealOperations,
  ) {
    this.lease = new LoopLease(leases, 'healing-watcher', `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`);
  }

  onApplicationBootstrap(): void {
    // off, or an API-only replica (MANO_WORKER=false): the workers watch
    if (!(this.config.healingIntervalS > 0) || !this.config.worker) return;
    this.timer = setInterval(() => {
      if (this.round) return; // the previous round still runs
      this.round = this.tick().finally(() => (this.round = undefined));
    }, this.config.healingIntervalS * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.round;
    await this.lease.release().catch(() => undefined);
  }

  private async tick(): Promise<void> {
    try {
      // long enough to outlast a slow round, short enough that another replica takes over soon after this one dies
      if (await this.lease.acquire(Math.max(3 * this.config.healingIntervalS * 1000, 5000))) await this.watch();
    } catch (e) {
      this.logger.error(`healing round failed: ${(e as Error).message}`);
    }
  }

  /** One round over every NS with an automatic healing policy. */
  async watch(): Promise<void> {
    // the VNFDs first: without an automatic policy anywhere (the usual case) a round is this one query
    const items = await this.catalog.find({ where: { kind: 'vnfd' }, select: { id: true, descriptor: true } });
    const policies = new Map(items.map((i) => [i.id, healingPolicies(i.descriptor ?? {}).filter(automatic)]));
    if (![...policies.values()].some((p) => p.length)) return;
    const nss = await this.nss.findBy({ nsState: In(['READY', 'DEGRADED']) });
    if (!nss.length) return;
    const vnfRows = await this.vnfs.findBy({ nsInstanceId: In(nss.map((n) => n.id)) });
    for (const ns of nss) {
      const vnfs = vnfRows.filter((v) => v.nsInstanceId === ns.id && policies.get(String(v.record['vnfd-id']))?.length);
      if (!vnfs.length) continue;
      try {
        await this.watchNs(ns, vnfs, policies);
      } catch (e) {
        this.logger.warn(`ns=${ns.id} healing check failed: ${(e as Error).message}`);
      }
    }
  }

  private async watchNs(ns: NsInstanceEntity, vnfs: VnfInstanceEntity[], policies: Map<string, HealingPolicy[]>) {
    const state = ((ns.record._admin as Obj | undefined)?.healing ?? {}) as HealingState;
    const now = nowSeconds();
    const shown = vnfs.flatMap((v) =>
      policies.get(String(v.record['vnfd-id']))!.map((p) => ({
        'member-vnf-index': v.memberVnfIndex,
        'healing-aspect': p.aspect,
        'vdu-id': p.vduId,
        'recovery-type': p.recoveryType,
        'action-on-recovery': p.actionOnRecovery,
        'cooldown-time': p.cooldownS,
        day1: p.day1,
      })),
    );
    const unhealthy: Unhealthy[] = [];
    const waiting: string[] = [];
    for (const vnf of vnfs) {
      for (const policy of policies.get(String(vnf.record['vnfd-id']))!) {
        for (const vdur of list(vnf.record.vdur).filter((v) => String(v['vdu-id-ref']) === policy.vduId)) {
          const health = await this.healthOf(vdur);
          if (health === 'ok') continue;
          if (typeof health === 'object') {
            waiting.push(`${String(vdur.name)} not observed (${health.unknown}): no verdict`);
            continue;
          }
          const decision = healNow(policy, state.lastHealed?.[String(vdur.name)], now);
          if (decision.heal) unhealthy.push({ vnfrId: vnf.id, member: vnf.memberVnfIndex, vdur, policy, health });
          else waiting.push(`${String(vdur.name)} ${health}, ${decision.reason}`);
        }
      }
    }
    if (!unhealthy.length) {
      const decision = waiting.length
        ? { decision: 'wait', reason: waiting.join('; ') }
        : { decision: 'none', reason: 'every VDU under a healing policy is up' };
      return this.record(ns, { ...state, policies: shown }, decision);
    }
    const reason = unhealthy
      .map((u) => `${String(u.vdur.name)} ${u.health === 'gone' ? 'is gone from its VIM' : 'failed in its VIM'}`)
      .join('; ');
    const body = { healVnfData: healVnfData(unhealthy, reason) };
    try {
      const opId = await this.operations.startAutomatic(ns.id, body, (fresh) => {
        const healed = Object.fromEntries(unhealthy.map((u) => [String(u.vdur.name), now]));
        const next: HealingState = {
          policies: shown,
          lastHealed: { ...state.lastHealed, ...healed },
          // the operation is the NS's `_admin.nslcmop`, saved with this
          lastDecision: { time: now, decision: 'heal', reason },
        };
        fresh.record = { ...fresh.record, _admin: { ...(fresh.record._admin as Obj), healing: next } };
      });
      this.logger.log(`ns=${ns.id} auto-healing op=${opId}: ${reason}`);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      // another operation is open, or the NS cannot be healed as it is: said on the NS, tried again next round
      await this.record(ns, { ...state, policies: shown }, { decision: 'wait', reason: `${reason}; not healed: ${e.message}` });
    }
  }

  /** gone: no such compute any more; failed: the VIM says it will not come up; an unreachable VIM is no verdict. */
  private async healthOf(vdur: Obj): Promise<Health | { unknown: string }> {
    try {
      const adapter = await this.adapters.adapterById(String(vdur['vim-account-id']));
      const seen = await adapter.observe({ kind: 'compute', name: String(vdur.name), labels: {} });
      if (!seen) return 'gone';
      return hasFailed(seen) ? 'failed' : 'ok';
    } catch (e) {
      return { unknown: (e as Error).message };
    }
  }

  /**
   * Saves a decision when it differs from the last one, only if the NS was not written meanwhile (compare-and-swap
   * on `modified`): an operation's own writes always win, the next round writes it again.
   */
  private async record(ns: NsInstanceEntity, state: HealingState, d: { decision: string; reason: string }): Promise<void> {
    const last = state.lastDecision;
    if (last && last.decision === d.decision && last.reason === d.reason) return;
    const modified = nowSeconds();
    const record = {
      ...ns.record,
      _admin: { ...(ns.record._admin as Obj), healing: { ...state, lastDecision: { time: modified, ...d } } },
    };
    await this.nss.update({ id: ns.id, modified: ns.modified }, { record, modified } as QueryDeepPartialEntity<NsInstanceEntity>);
  }
}

/** OSM's heal body: one entry per VNF, naming its VDU instances, day-1 as each policy says. */
function healVnfData(unhealthy: Unhealthy[], cause: string): Obj[] {
  const byVnf = new Map<string, Unhealthy[]>();
  for (const u of unhealthy) byVnf.set(u.vnfrId, [...(byVnf.get(u.vnfrId) ?? []), u]);
  return [...byVnf].map(([vnfInstanceId, us]) => ({
    vnfInstanceId,
    cause: `auto-healing: ${cause}`.slice(0, 1024),
    additionalParams: {
      vdu: us.map((u) => ({
        'vdu-id': u.policy.vduId,
        'count-index': Number(u.vdur['count-index'] ?? 0),
        'run-day1': u.policy.day1,
      })),
    },
  }));
}
