import { BodySchema, Schema } from '../common/validation/json-schema';
import { instantiateSchema } from '../instances/params';

type Obj = Record<string, unknown>;

export interface NsiInstantiateParams {
  nsiName: string;
  nstId: string;
  vimAccountId: string;
  nsiDescription?: string | null;
  ssh_keys?: string[];
  timeout_nsi_deploy?: number;
  additionalParamsForNsi?: Obj;
  'netslice-subnet'?: (Obj & { id: string })[];
  'netslice-vld'?: {
    name: string;
    'vim-network-name'?: string | Record<string, string>;
    'vim-network-id'?: unknown;
    'ip-profile'?: Obj;
  }[];
  additionalParamsForSubnet?: { id: string; additionalParamsForNs?: Obj; additionalParamsForVnf?: Obj[] }[];
  [key: string]: unknown;
}

const base = instantiateSchema.schema as { properties: Record<string, Schema> };
const text: Schema = { type: 'string', minLength: 1, maxLength: 255 };
const netName: Schema = { anyOf: [text, { type: 'object', additionalProperties: { type: 'string' } }] };

/** OSM's `nsi_instantiate`: per-subnet NS instantiation parameters (OSM's `ns_instantiate` plus `id`, nothing required). */
const subnet: Schema = {
  type: 'object',
  properties: { ...base.properties, id: text },
  required: ['id'],
  additionalProperties: false,
};

/**
 * OSM's `nsi_instantiate` body, plus `additionalParamsForSubnet` (what `osm nsi-create --config` sends); unknown
 * fields are refused with their path, as OSM does.
 */
export const nsiInstantiateSchema = new BodySchema<NsiInstantiateParams>(
  {
    type: 'object',
    properties: {
      lcmOperationType: { type: 'string' },
      netsliceInstanceId: { type: 'string' },
      nsi_id: { type: 'string' },
      nsiName: text,
      nsiDescription: { type: ['string', 'null'], maxLength: 1024 },
      nstId: { type: 'string', minLength: 1 },
      vimAccountId: { type: 'string', minLength: 1 },
      timeout_nsi_deploy: { type: 'integer', minimum: 1 },
      ssh_keys: { type: 'array', items: { type: 'string' } },
      additionalParamsForNsi: { type: 'object' },
      'netslice-subnet': { type: 'array', minItems: 1, items: subnet },
      'netslice-vld': {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: {
            name: text,
            'vim-network-name': netName,
            'vim-network-id': netName,
            'ip-profile': { type: 'object' },
          },
          required: ['name'],
          additionalProperties: false,
        },
      },
      // the whole slice placed in one model (see README "Placement"): given to every subnet without its own
      'placement-engine': base.properties['placement-engine'],
      'placement-constraints': base.properties['placement-constraints'],
      additionalParamsForSubnet: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            id: text,
            additionalParamsForNs: { type: 'object' },
            additionalParamsForVnf: { type: 'array', items: { type: 'object' } },
          },
          required: ['id'],
          additionalProperties: false,
        },
      },
    },
    required: ['nsiName', 'nstId', 'vimAccountId'],
    additionalProperties: false,
  },
  'NSI instantiation parameters',
);

/** OSM's NSI terminate body (empty in OSM; `autoremove` and the timeout as for NSs). */
export const nsiTerminateSchema = new BodySchema<{ autoremove?: boolean; timeout_nsi_deploy?: number }>(
  {
    type: 'object',
    properties: {
      lcmOperationType: { type: 'string' },
      netsliceInstanceId: { type: 'string' },
      autoremove: { type: 'boolean' },
      timeout_nsi_deploy: { type: 'integer', minimum: 1 },
    },
    additionalProperties: false,
  },
  'NSI terminate parameters',
);
