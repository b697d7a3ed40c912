import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Session } from '../auth/session';
import { DomainError, FieldProblem } from '../common/errors/domain-error';
import { ProjectScope } from '../common/records/project-scope';
import { Obj } from '../common/values';
import { AccountsService } from '../vims/accounts.service';
import { AdminAccountEntity } from '../records/vim.entities';
import { explainAssignment, irreducibleGroups, VnfExplanation } from './explain';
import { buildProblem, CandidateVim, NsToPlace } from './inputs';
import { solveMip, SolveStatus } from './mip';
import { describeGroup, GroupKey, PlacementProblem } from './model';
import { PriceListsService } from './price-lists.service';
import { chooseWim, WimChoice } from './wim';

/** What the engine decided and why: the NS record's `_admin.placement`, the operation's `_admin.pla`. */
export interface PlacementOutcome {
  engine: 'PLA';
  status: Exclude<SolveStatus, 'infeasible' | 'error'>;
  objective: number;
  gap: number;
  solveTimeMs: number;
  timeLimitS: number;
  mipGap: number;
  model: { vnfs: number; sites: number; links: number; variables: number; constraints: number };
  /** Site per VNF (`member-vnf-index`, or `nsId/member` for several NSs) with cost, binding constraints, runner-up. */
  vnfs: Record<string, VnfExplanation>;
  /** VIMs left out, and why (disabled ones are not listed: they are never candidates). */
  skippedVims: { vimAccountId: string; reason: string }[];
}

const CAPACITY_TIMEOUT_MS = 5000;

/** The `placement-engine` values that ask for the optimiser (OSM's `PLA`, and ours). */
export const OPTIMISING_ENGINES = ['PLA', 'mip'];

/** Placement across VIMs and PoPs: candidates, capacities, price lists → MIP → explanation, or a 422 naming a conflict. */
@Injectable()
export class PlacementService {
  constructor(
    @InjectRepository(AdminAccountEntity) private readonly accountRows: Repository<AdminAccountEntity>,
    private readonly accounts: AccountsService,
    private readonly priceLists: PriceListsService,
  ) {}

  /** The optimiser runs when asked for (`placement-engine: PLA`) or when constraints ask for more than one VIM. */
  static wanted(params: Obj): boolean {
    const engine = params['placement-engine'];
    if (engine === 'capacity-aware') return false;
    return OPTIMISING_ENGINES.includes(String(engine)) || params['placement-constraints'] !== undefined;
  }

  /** Enabled VIM accounts the session's projects can use, narrowed by `placement-constraints.vim-accounts` (ids or names). */
  async candidates(
    session: Session,
    constraints: Obj | undefined,
  ): Promise<{ vims: CandidateVim[]; skipped: PlacementOutcome['skippedVims'] }> {
    const scope = ProjectScope.of(session).withPublic(undefined);
    const rows = (await this.accountRows.find({ where: { topic: 'vim_accounts' }, order: { created: 'ASC' } })).filter((r) =>
      scope.canRead(r),
    );
    const wanted = constraints?.['vim-accounts'] as string[] | undefined;
    const problems: FieldProblem[] = [];
    (wanted ?? []).forEach((w, i) => {
      if (!rows.some((r) => r.id === w || r.name === w))
        problems.push({ path: `placement-constraints.vim-accounts[${i}]`, message: `VIM account '${w}' not found` });
    });
    if (problems.length) throw DomainError.invalidFields('PLACEMENT.INVALID_CONSTRAINTS', problems);
    const chosen = rows.filter(
      (r) => r.operationalState === 'ENABLED' && (!wanted || wanted.some((w) => w === r.id || w === r.name)),
    );
    const skipped: PlacementOutcome['skippedVims'] = [];
    const vims: CandidateVim[] = [];
    for (const r of chosen) {
      try {
        const adapter = await this.accounts.adapterById(r.id);
        const capacity = await Promise.race([
          adapter.capacity(),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error(`no answer in ${CAPACITY_TIMEOUT_MS} ms`)), CAPACITY_TIMEOUT_MS).unref(),
          ),
        ]);
        vims.push({
          id: r.id,
          name: r.name,
          vimUrl: typeof r.record.vim_url === 'string' ? r.record.vim_url : undefined,
          capacity,
        });
      } catch (e) {
        skipped.push({ vimAccountId: r.id, reason: `capacity unknown: ${(e as Error).message}` });
      }
    }
    return { vims, skipped };
  }

  /** For each NS VLD whose networks are on several VIMs: the WIM account that would carry it (see chooseWim). */
  async wimsFor(session: Session, spans: Map<string, string[]>, wanted: unknown): Promise<Map<string, WimChoice>> {
    const out = new Map<string, WimChoice>();
    if (!spans.size) return out;
    const scope = ProjectScope.of(session).withPublic(undefined);
    const rows = await this.accountRows.find({
      where: [{ topic: 'wim_accounts' }, { topic: 'vim_accounts' }],
      order: { created: 'ASC' },
    });
    const readable = rows.filter((r) => scope.canRead(r));
    const wims = readable.filter((r) => r.topic === 'wim_accounts');
    const vimName = (id: string) => rows.find((r) => r.id === id)?.name ?? id;
    for (const [vld, vims] of spans)
      out.set(
        vld,
        chooseWim(
          wims,
          vims.map((id) => ({ id, name: vimName(id) })),
          wanted,
        ),
      );
    return out;
  }

  /**
   * Places one NS — or several at once (a slice's subnets: VNF ids become `nsId/member`, the shared sites'
   * capacity counts them all). Throws 422 when the constraints cannot hold together, naming an irreducible set.
   */
  async place(session: Session, nss: NsToPlace[]): Promise<PlacementOutcome> {
    const constraints = (nss[0]?.params['placement-constraints'] ?? {}) as Obj;
    const timeLimitS = typeof constraints['time-limit'] === 'number' ? constraints['time-limit'] : 1;
    const mipGap = typeof constraints['mip-gap'] === 'number' ? constraints['mip-gap'] : 0;
    const { vims, skipped } = await this.candidates(session, constraints);
    if (!vims.length)
      throw DomainError.unprocessable(
        'PLACEMENT.NO_VIM',
        'no enabled VIM account with a known capacity is available for placement',
        [
          {
            path: 'placement-constraints.vim-accounts',
            message: skipped.map((s) => `${s.vimAccountId}: ${s.reason}`).join('; ') || 'none enabled',
          },
        ],
      );
    const lists = await this.priceLists.visible(session);
    const { problem, problems } = buildProblem(nss, vims, lists);
    if (problems.length) throw DomainError.invalidFields('PLACEMENT.INVALID_CONSTRAINTS', problems);
    for (const v of problem.vnfs)
      if (v.pinVim && !vims.some((x) => x.id === v.pinVim))
        throw DomainError.unprocessable(
          'PLACEMENT.PIN_NOT_CANDIDATE',
          `VNF ${v.id} is pinned to VIM ${v.pinVim}, which is not a candidate`,
          [
            {
              path: 'vnf.vimAccountId',
              message: `VIM ${v.pinVim} is disabled, outside placement-constraints.vim-accounts, or its capacity is unknown`,
            },
          ],
        );
    const r = await solveMip(problem, { timeLimitS, mipGap });
    if (r.status === 'infeasible') throw infeasible(problem, await irreducibleGroups(problem, { timeLimitS }));
    if (!r.assignment)
      throw DomainError.unprocessable(
        'PLACEMENT.NO_SOLUTION',
        `no placement found within ${timeLimitS} s (${r.detail ?? r.status}); raise placement-constraints.time-limit`,
        [{ path: 'placement-constraints.time-limit', message: `${timeLimitS} s was not enough` }],
      );
    return {
      engine: 'PLA',
      status: r.status as PlacementOutcome['status'],
      objective: round(r.objective!),
      gap: r.gap ?? 0,
      solveTimeMs: Math.round(r.solveTimeMs * 10) / 10,
      timeLimitS,
      mipGap,
      model: {
        vnfs: problem.vnfs.length,
        sites: problem.sites.length,
        links: problem.links.length,
        variables: r.variables,
        constraints: r.constraints,
      },
      vnfs: explainAssignment(problem, r.assignment),
      skippedVims: skipped,
    };
  }
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

function pathOf(key: GroupKey): string {
  const [kind, ...rest] = key.split(':');
  const id = rest.join(':');
  switch (kind) {
    case 'latency':
    case 'jitter':
      return `placement-constraints.vld-constraints[${id}].link-constraints.${kind}`;
    case 'pin':
      return `vnf[${id}].vimAccountId`;
    case 'requirements':
      return `placement-constraints.vnf-constraints[member-vnf-index=${id}]`;
    case 'capacity':
      return `vim_accounts[${id}].capacity`;
    default:
      return `placement-constraints.affinity-groups[${id}]`;
  }
}

function infeasible(p: PlacementProblem, groups: GroupKey[]): DomainError {
  const said = groups.map((g) => describeGroup(p, g));
  return DomainError.unprocessable(
    'PLACEMENT.INFEASIBLE',
    `No placement satisfies these constraints together (each one is needed for the conflict): ${said.join('; ')}`,
    groups.map((g, i) => ({ path: pathOf(g), message: said[i] })),
  );
}
