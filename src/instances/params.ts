import { BodySchema, Schema } from '../common/validation/json-schema';
import type { InstantiateParams } from '../lcm/planner';

/** OSM's `ns_instantiate` body (Release 8–19 keys), additional properties refused as OSM does. */
const obj: Schema = { type: 'object' };
const name: Schema = { type: 'string', minLength: 1, maxLength: 255 };
const id: Schema = { type: ['string', 'number'] };
const ipProfile: Schema = {
  type: 'object',
  properties: {
    'ip-version': { enum: ['ipv4', 'ipv6'] },
    'subnet-address': { type: ['string', 'null'] },
    'gateway-address': { type: ['string', 'null'] },
    'dns-server': {
      type: 'array',
      items: { type: 'object', properties: { address: { type: 'string' } }, required: ['address'] },
    },
    'dhcp-params': {
      type: 'object',
      properties: { enabled: { type: 'boolean' }, 'start-address': { type: 'string' }, count: { type: 'integer' } },
    },
  },
  additionalProperties: false,
};
const vimNetworkName: Schema = { anyOf: [name, { type: 'object', additionalProperties: { type: 'string' } }] };

const ms: Schema = { type: 'number', minimum: 0 };
/** OSM PLA's `placement-constraints` (vld-constraints) and ours; unknown keys are kept, as OSM passes them on. */
const placementConstraints: Schema = {
  type: 'object',
  properties: {
    'vld-constraints': {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: name,
          'link-constraints': { type: 'object', properties: { latency: ms, jitter: ms }, additionalProperties: false },
        },
        required: ['id'],
      },
    },
    'vim-accounts': { type: 'array', items: name, minItems: 1 },
    'vnf-constraints': {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          'member-vnf-index': id,
          labels: { type: 'object', additionalProperties: { type: ['string', 'boolean', 'number'] } },
          zone: name,
        },
        required: ['member-vnf-index'],
        additionalProperties: false,
      },
    },
    'affinity-groups': {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: name,
          type: { enum: ['affinity', 'anti-affinity'] },
          scope: { enum: ['site', 'vim'] },
          members: { type: 'array', items: id, minItems: 2 },
        },
        required: ['type', 'members'],
        additionalProperties: false,
      },
    },
    'time-limit': { type: 'number', exclusiveMinimum: 0, maximum: 60 },
    'mip-gap': { type: 'number', minimum: 0, maximum: 1 },
  },
};

export const instantiateSchema = new BodySchema<InstantiateParams>(
  {
    type: 'object',
    properties: {
      lcmOperationType: { type: 'string' },
      nsInstanceId: { type: 'string' },
      netsliceInstanceId: { type: 'string' },
      nsName: name,
      nsDescription: { type: ['string', 'null'], maxLength: 1024 },
      nsdId: { type: 'string', minLength: 1 },
      // SOL005's deployment flavour of the NSD (its first df when absent)
      nsFlavourId: { type: 'string', minLength: 1 },
      vimAccountId: { type: 'string', minLength: 1 },
      wimAccountId: { anyOf: [{ type: 'string' }, { type: 'boolean' }, { type: 'null' }] },
      placement: obj,
      // OSM's PLA value, ours, and the per-VIM strategy of before (see README "Placement")
      'placement-engine': { enum: ['PLA', 'mip', 'capacity-aware'] },
      'placement-constraints': placementConstraints,
      ssh_keys: { type: 'array', items: { type: 'string' } },
      'k8s-namespace': { type: 'string' },
      'config-units': { type: 'integer', minimum: 1 },
      timeout_ns_deploy: { type: 'integer', minimum: 1 },
      nsConfigTemplateId: { type: 'string' },
      additionalParamsForNs: obj,
      additionalParamsForVnf: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            'member-vnf-index': id,
            additionalParams: obj,
            'k8s-namespace': { type: 'string' },
            'config-units': { type: 'integer' },
            additionalParamsForVdu: {
              type: 'array',
              items: { type: 'object', properties: { vdu_id: name, additionalParams: obj }, required: ['vdu_id'] },
            },
            additionalParamsForKdu: {
              type: 'array',
              items: {
                type: 'object',
                properties: { kdu_name: name, additionalParams: obj },
                required: ['kdu_name'],
                additionalProperties: true,
              },
            },
            'affinity-or-anti-affinity-group': { type: 'array', items: obj },
          },
          required: ['member-vnf-index'],
          additionalProperties: false,
        },
      },
      vnf: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            'member-vnf-index': id,
            vimAccountId: { type: 'string' },
            vdu: { type: 'array', items: obj },
            'internal-vld': {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  name,
                  'vim-network-name': name,
                  'vim-network-id': name,
                  'ip-profile': ipProfile,
                  'provider-network': obj,
                  'internal-connection-point': { type: 'array', items: obj },
                },
                required: ['name'],
                additionalProperties: false,
              },
            },
          },
          required: ['member-vnf-index'],
          additionalProperties: false,
        },
      },
      vld: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name,
            'vim-network-name': vimNetworkName,
            'vim-network-id': vimNetworkName,
            'ns-net': obj,
            wimAccountId: { anyOf: [{ type: 'string' }, { type: 'boolean' }, { type: 'null' }] },
            'ip-profile': ipProfile,
            'provider-network': obj,
            'vnfd-connection-point-ref': {
              type: 'array',
              items: {
                type: 'object',
                properties: { 'member-vnf-index-ref': id, 'vnfd-connection-point-ref': name, 'ip-address': { type: 'string' } },
                required: ['member-vnf-index-ref', 'vnfd-connection-point-ref'],
                additionalProperties: false,
              },
            },
          },
          required: ['name'],
          additionalProperties: false,
        },
      },
    },
    required: ['nsName', 'nsdId', 'vimAccountId'],
    additionalProperties: false,
  },
  'NS instantiation parameters',
);

export interface ScaleParams {
  scaleType: 'SCALE_VNF';
  scaleVnfData: {
    scaleVnfType: 'SCALE_OUT' | 'SCALE_IN';
    scaleByStepData: { 'scaling-group-descriptor': string; 'member-vnf-index': string | number; 'scaling-policy'?: string };
    vnfInstanceId?: string;
  };
  scaleTime?: string;
  timeout_ns_scale?: number;
}

/** OSM's `ns_scale` body. */
export const scaleSchema = new BodySchema<ScaleParams>(
  {
    type: 'object',
    properties: {
      lcmOperationType: { type: 'string' },
      nsInstanceId: { type: 'string' },
      scaleType: { enum: ['SCALE_VNF'] },
      scaleTime: { type: 'string' },
      timeout_ns_scale: { type: 'integer', minimum: 1 },
      scaleVnfData: {
        type: 'object',
        properties: {
          scaleVnfType: { enum: ['SCALE_OUT', 'SCALE_IN'] },
          vnfInstanceId: { type: 'string' },
          scaleByStepData: {
            type: 'object',
            properties: {
              'scaling-group-descriptor': name,
              'scaling-policy': name,
              'member-vnf-index': id,
            },
            required: ['scaling-group-descriptor', 'member-vnf-index'],
            additionalProperties: false,
          },
        },
        required: ['scaleVnfType', 'scaleByStepData'],
        additionalProperties: false,
      },
    },
    required: ['scaleType', 'scaleVnfData'],
    additionalProperties: false,
  },
  'NS scale parameters',
);

/** SOL005 `CancelMode`. */
export const cancelSchema = new BodySchema<{ cancelMode: 'GRACEFUL' | 'FORCEFUL' }>(
  {
    type: 'object',
    properties: { cancelMode: { enum: ['GRACEFUL', 'FORCEFUL'] } },
    required: ['cancelMode'],
    additionalProperties: false,
  },
  'cancel request',
);

/** OSM's `ns_action` body. */
export const actionSchema = new BodySchema<import('../lcm/day-n.service').ActionBody>(
  {
    type: 'object',
    properties: {
      lcmOperationType: { type: 'string' },
      nsInstanceId: { type: 'string' },
      member_vnf_index: id,
      vdu_id: name,
      vdu_count_index: { type: 'integer', minimum: 0 },
      kdu_name: name,
      primitive: name,
      primitive_params: obj,
      timeout_ns_action: { type: 'integer', minimum: 1 },
    },
    required: ['primitive'],
    additionalProperties: false,
  },
  'NS action parameters',
);

/** OSM's `ns_heal` body (NBI R11+): which VNFs, and which of their VDU instances, to rebuild. */
export interface HealBody {
  healVnfData: {
    vnfInstanceId: string;
    cause?: string;
    additionalParams?: { 'run-day1'?: boolean; vdu?: { 'vdu-id': string; 'count-index'?: number; 'run-day1'?: boolean }[] };
  }[];
  timeout_ns_heal?: number;
}

export const healSchema = new BodySchema<HealBody>(
  {
    type: 'object',
    properties: {
      lcmOperationType: { type: 'string' },
      nsInstanceId: { type: 'string' },
      timeout_ns_heal: { type: 'integer', minimum: 1 },
      healVnfData: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: {
            vnfInstanceId: { type: 'string', minLength: 1, maxLength: 255 },
            cause: { type: 'string', maxLength: 1024 },
            additionalParams: {
              type: 'object',
              properties: {
                'run-day1': { type: 'boolean' },
                vdu: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      'run-day1': { type: 'boolean' },
                      'vdu-id': name,
                      'count-index': { type: 'integer', minimum: 0 },
                    },
                    required: ['vdu-id'],
                    additionalProperties: false,
                  },
                },
              },
              additionalProperties: false,
            },
          },
          required: ['vnfInstanceId'],
          additionalProperties: false,
        },
      },
    },
    required: ['healVnfData'],
    additionalProperties: false,
  },
  'NS heal parameters',
);
