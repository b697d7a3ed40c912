import { DomainError } from '../../common/errors/domain-error';
import { Descriptor, DescriptorKind } from '../descriptor-model/validation';
import { isObj } from '../../common/values';

const LEGACY: Record<DescriptorKind, string[]> = {
  vnfd: ['vnfd:vnfd-catalog', 'vnfd-catalog'],
  nsd: ['nsd:nsd-catalog', 'nsd-catalog'],
  nst: [],
};

export interface Unwrapped {
  descriptor: Descriptor;
  /** Release 8 (or older) OSM information model. */
  legacy: boolean;
}

/** OSM's `_remove_envelop`: `vnfd: {...}`, `nsd: {nsd: [one]}`, `nst: [one]`, module-prefixed forms, or the bare descriptor. */
export function unwrapDescriptor(kind: DescriptorKind, doc: unknown): Unwrapped {
  if (!isObj(doc))
    throw DomainError.unprocessable('PACKAGE.INVALID', `the ${kind} descriptor must be a mapping`, [
      { path: kind, message: 'must be a mapping' },
    ]);
  for (const key of LEGACY[kind]) {
    if (key in doc) {
      const catalog = doc[key];
      const items = isObj(catalog) ? (catalog[kind] ?? catalog[`${kind}:${kind}`]) : undefined;
      if (!Array.isArray(items) || items.length !== 1 || !isObj(items[0])) {
        throw DomainError.unprocessable('PACKAGE.INVALID', `${key} must hold exactly one ${kind}`, [
          { path: `${key}.${kind}`, message: 'must hold exactly one entry' },
        ]);
      }
      return { descriptor: items[0], legacy: true };
    }
  }
  const wrapped = doc[kind] ?? doc[`etsi-nfv-${kind}:${kind}`] ?? doc[`${kind}:${kind}`];
  if (wrapped === undefined) return { descriptor: doc, legacy: false };
  if (kind === 'vnfd') {
    if (!isObj(wrapped))
      throw DomainError.unprocessable('PACKAGE.INVALID', 'vnfd must be a mapping', [
        { path: 'vnfd', message: 'must be a mapping' },
      ]);
    return { descriptor: wrapped, legacy: false };
  }
  const inner = kind === 'nsd' && isObj(wrapped) ? wrapped.nsd : wrapped;
  const items = Array.isArray(inner) ? inner : [inner];
  if (items.length !== 1 || !isObj(items[0])) {
    throw DomainError.unprocessable('PACKAGE.INVALID', `the package must hold exactly one ${kind} (found ${items.length})`, [
      { path: kind, message: 'exactly one expected' },
    ]);
  }
  return { descriptor: items[0], legacy: false };
}
