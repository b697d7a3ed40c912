/** Small checks for untyped input (VIM account `config` maps, kubeconfigs), shared by every adapter. */
export type Obj = Record<string, unknown>;

/** A plain object: not null, not an array. */
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A non-empty string, else undefined (absent and '' mean the same in OSM's config maps). */
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
