/**
 * Reading descriptors, records and request bodies — YAML/JSON of any shape — without trusting their types:
 * what is not of the expected kind reads as absent (or empty), never as a crash.
 */
export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** The objects of a list; anything else reads as an empty list. */
export const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
export const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));
export const num = (v: unknown, fallback: number): number =>
  v === undefined || v === null || Number.isNaN(Number(v)) ? fallback : Number(v);
/** YANG booleans arrive as booleans or as the strings PyYAML and OSM write. */
export const truthy = (v: unknown): boolean => v === true || v === 'true' || v === 'True';
