import { BodySchema, Schema } from '../common/validation/json-schema';

/**
 * Price lists in OSM PLA's shapes:
 *  - `vnf_price_list` (PLA's vnf_price_list.yaml): `[{vnfd, prices: [{vim_name | vim_account | vim_url, pop?, price}]}]`
 *  - `pil_price_list` (PLA's pil_price_list.yaml): `{pil: [{pil_description, pil_price, pil_latency, pil_jitter,
 *    pil_endpoints: [a, b]}]}` — an endpoint is a VIM (name or id) or `vim/pop` for one PoP of it.
 * Both keys may also be given as `vnf_prices` / `pil` directly.
 */
export interface VnfPrice {
  vnfd: string;
  prices: { vim_name?: string; vim_account?: string; vim_url?: string; pop?: string; price: number }[];
}
export interface PilEntry {
  pil_description?: string;
  pil_price: number;
  pil_latency: number;
  pil_jitter: number;
  pil_endpoints: [string, string];
}
export interface PriceList {
  name: string;
  description?: string;
  vnf_prices: VnfPrice[];
  pil: PilEntry[];
}

const nonNeg: Schema = { type: 'number', minimum: 0 };
const text: Schema = { type: 'string', minLength: 1, maxLength: 255 };
const vnfPrices: Schema = {
  type: 'array',
  maxItems: 10_000,
  items: {
    type: 'object',
    properties: {
      vnfd: text,
      prices: {
        type: 'array',
        maxItems: 10_000,
        items: {
          type: 'object',
          properties: { vim_name: text, vim_account: text, vim_url: text, tenant_id: text, pop: text, price: nonNeg },
          required: ['price'],
          anyOf: ['vim_name', 'vim_account', 'vim_url'].map((k) => ({ properties: { [k]: text }, required: [k] })),
          additionalProperties: false,
        },
      },
    },
    required: ['vnfd', 'prices'],
    additionalProperties: false,
  },
};
const pil: Schema = {
  type: 'array',
  maxItems: 10_000,
  items: {
    type: 'object',
    properties: {
      pil_description: { type: 'string', maxLength: 1024 },
      pil_price: nonNeg,
      pil_latency: nonNeg,
      pil_jitter: nonNeg,
      pil_endpoints: { type: 'array', items: text, minItems: 2, maxItems: 2 },
    },
    required: ['pil_price', 'pil_latency', 'pil_jitter', 'pil_endpoints'],
    additionalProperties: false,
  },
};

const body = (required: string[]): Schema => ({
  type: 'object',
  properties: {
    name: text,
    description: { type: 'string', maxLength: 1024 },
    vnf_price_list: vnfPrices,
    vnf_prices: vnfPrices,
    pil_price_list: { type: 'object', properties: { pil }, required: ['pil'], additionalProperties: false },
    pil,
  },
  required,
  additionalProperties: false,
});

type Body = Partial<PriceList> & { vnf_price_list?: VnfPrice[]; pil_price_list?: { pil: PilEntry[] } };
export const createPriceListSchema = new BodySchema<Body>(body(['name']), 'price list');
export const editPriceListSchema = new BodySchema<Body>(body([]), 'price list');

/** The stored shape, from a validated body (and the current record, on edit: given keys replace theirs). */
export function normalisePriceList(b: Body, current?: PriceList): PriceList {
  return {
    name: b.name ?? current?.name ?? '',
    ...((b.description ?? current?.description) !== undefined ? { description: b.description ?? current?.description } : {}),
    vnf_prices: b.vnf_prices ?? b.vnf_price_list ?? current?.vnf_prices ?? [],
    pil: b.pil ?? b.pil_price_list?.pil ?? current?.pil ?? [],
  };
}
