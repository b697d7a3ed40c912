/** Shapes of the NS records the detail page reads (OSM's nsr, vnfr, nslcmop), only the fields it uses. */

export interface Vdur {
  'vdu-id-ref': string;
  'count-index': number;
  name: string;
  status?: string;
  'vim-account-id'?: string;
  zone?: string | null;
  'ip-address'?: string | null;
  interfaces?: {
    name: string;
    'ip-address'?: string;
    'ns-vld-id'?: string;
    'vnf-vld-id'?: string;
    'external-connection-point-ref'?: string;
  }[];
}

export interface Vnfr {
  _id: string;
  'member-vnf-index-ref': string;
  'vnfd-ref': string;
  'vnfd-id': string;
  'vim-account-id'?: string;
  'ip-address'?: string | null;
  vdur: Vdur[];
  kdur?: { 'kdu-name': string; status?: string }[];
  'connection-point'?: { id: string; name?: string }[];
  vld?: { id: string }[];
}

export interface OpStep {
  key: string;
  kind: string;
  state: string;
  attempts: number;
  lastError?: string;
  result?: { exitCode?: number; stdout?: string; stderr?: string };
  skipped?: string;
}

export interface NsOp {
  _id: string;
  lcmOperationType: string;
  operationState: string;
  startTime: number;
  statusEnteredTime?: number;
  detailedStatus?: string | null;
  errorMessage?: string | null;
  stage?: string;
  progress?: { steps: number; done: number };
  steps?: OpStep[];
  operationParams?: Record<string, unknown>;
}

export interface PrimitiveParam {
  name: string;
  'data-type'?: string;
  mandatory?: boolean;
  'default-value'?: string | number | boolean;
  'allowed-values'?: (string | number)[];
}

export interface Primitive {
  name: string;
  parameter?: PrimitiveParam[];
}

interface Vnfd {
  df?: {
    'scaling-aspect'?: { id: string; name?: string }[];
    'lcm-operations-configuration'?: { 'operate-vnf-op-config'?: { 'day1-2'?: { 'config-primitive'?: Primitive[] }[] } };
  }[];
}

export function primitivesOf(vnfd: Vnfd | undefined): Primitive[] {
  return (vnfd?.df ?? []).flatMap((df) =>
    (df['lcm-operations-configuration']?.['operate-vnf-op-config']?.['day1-2'] ?? []).flatMap((d) => d['config-primitive'] ?? []),
  );
}

export function scalingAspectsOf(vnfd: Vnfd | undefined): string[] {
  return (vnfd?.df ?? []).flatMap((df) => (df['scaling-aspect'] ?? []).map((a) => a.id));
}

export const RUNNING = new Set(['PROCESSING', 'ROLLING_BACK']);
