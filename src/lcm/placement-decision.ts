import { Obj } from '../common/values';

/** One VNF's site as the optimiser (src/placement) chose it: where, its cost, what bound it, the runner-up. */
export interface VnfExplanation {
  site: string;
  vimAccountId: string;
  zone: string | null;
  /** Its own price on that site. */
  cost: number;
  /** Constraints that kept it from a cheaper site (what the price alone would have chosen). */
  binding: string[];
  /** The next best site and why it lost (alone moved there, the others staying). */
  runnerUp: { site: string; cost: number; why: string } | null;
}

/**
 * The part of the optimiser's outcome the engine reads off the place step (the whole outcome rides there and is
 * stored as is): declared here so the engine does not import the placement API module that computes it.
 */
export interface PlacedNs {
  vnfs: Record<string, VnfExplanation>;
}

/** The per-member view the NS record has kept since the first placement strategy (`placement`). */
export function memberView(outcome: PlacedNs): Obj {
  return Object.fromEntries(
    Object.entries(outcome.vnfs).map(([m, x]) => [
      m,
      {
        vimAccountId: x.vimAccountId,
        zone: x.zone,
        strategy: 'PLA',
        reason: `${x.site}: cost ${x.cost}${x.binding.length ? `; bound by ${x.binding.join('; ')}` : ''}${x.runnerUp ? `; runner-up ${x.runnerUp.site} (${x.runnerUp.why})` : ''}`,
      },
    ]),
  );
}
