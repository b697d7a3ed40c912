import { FieldProblem } from '../../common/errors/domain-error';
import { Obj, isObj } from '../../common/values';

export interface Translation {
  descriptor: Obj;
  /** Paths of legacy fields left out on purpose (cosmetic in SOL006 terms). */
  dropped: string[];
  /** Paths of legacy fields whose meaning cannot be carried over: the upload is refused with them. */
  problems: FieldProblem[];
}

/** Names and looks: SOL006 has no field for them, and nothing is deployed differently without them. */
const COSMETIC = new Set(['short-name', 'logo', 'position', 'vpci', 'bandwidth', 'mgmt-vpci', 'start-by-default']);

/** Records which fields of the legacy document were used; the rest are dropped (cosmetic) or refused. */
export class Tracker {
  private readonly used = new Set<string>();
  private readonly droppedTrees = new Set<string>();
  readonly dropped: string[] = [];
  readonly problems: FieldProblem[] = [];

  use(path: string): void {
    this.used.add(path);
  }

  /** Everything under `path` is carried over as it is. */
  useTree(node: unknown, path: string): void {
    this.use(path);
    if (Array.isArray(node)) node.forEach((x, i) => this.useTree(x, `${path}[${i}]`));
    else if (isObj(node)) Object.entries(node).forEach(([k, x]) => this.useTree(x, `${path}.${k}`));
  }

  /** `path` is left out on purpose (it only fed OSM's old UI, monitoring or scheduler hints): listed, never silent. */
  drop(path: string): void {
    this.droppedTrees.add(path);
  }

  /** Walks `node` at `path` and classifies every field nobody used. */
  audit(node: unknown, path: string): void {
    if (Array.isArray(node)) {
      node.forEach((item, i) => this.audit(item, `${path}[${i}]`));
      return;
    }
    if (!isObj(node)) return;
    for (const [key, value] of Object.entries(node)) {
      const p = `${path}.${key}`;
      if (this.droppedTrees.has(p)) {
        this.dropped.push(p);
      } else if (this.used.has(p)) {
        this.audit(value, p);
      } else if (COSMETIC.has(key)) {
        this.dropped.push(p);
      } else {
        this.problems.push({ path: p, message: 'cannot be translated to the SOL006 model (OSM Release 9+) yet' });
      }
    }
  }
}
