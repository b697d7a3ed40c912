import { BodySchema, Schema } from '../common/validation/json-schema';
import type { SubscriptionApi } from '../records/notification.entities';

/** A SOL005 subscription request (`LccnSubscriptionRequest`, `NsdmSubscriptionRequest`, `PkgmSubscriptionRequest`). */
export interface SubscriptionRequest {
  callbackUri?: string;
  /** OSM's spelling. */
  CallbackUri?: string;
  filter?: Record<string, unknown>;
  authentication?: {
    authType: string[];
    paramsBasic?: { userName?: string; password?: string };
    paramsOauth2ClientCredentials?: { clientId?: string; clientPassword?: string; tokenEndpoint?: string };
  };
}

const text: Schema = { type: 'string', minLength: 1, maxLength: 255 };
const texts: Schema = { type: 'array', items: text, maxItems: 1000 };
const enums = (values: readonly string[]): Schema => ({ type: 'array', items: { enum: [...values] }, maxItems: 50 });

export const OPERATION_TYPES = ['INSTANTIATE', 'SCALE', 'UPDATE', 'TERMINATE', 'HEAL', 'ACTION'] as const;
export const OPERATION_STATES = [
  'PROCESSING',
  'COMPLETED',
  'PARTIALLY_COMPLETED',
  'FAILED_TEMP',
  'FAILED',
  'ROLLING_BACK',
  'ROLLED_BACK',
] as const;

/** The notification types of each API (what `filter.notificationTypes` may name). */
export const NOTIFICATION_TYPES: Record<SubscriptionApi, readonly string[]> = {
  nslcm: [
    'NsLcmOperationOccurrenceNotification',
    'NsIdentifierCreationNotification',
    'NsIdentifierDeletionNotification',
    'NsChangeNotification',
  ],
  nsd: ['NsdOnBoardingNotification', 'NsdOnboardingFailureNotification', 'NsdChangeNotification', 'NsdDeletionNotification'],
  vnfpkgm: ['VnfPackageOnboardingNotification', 'VnfPackageChangeNotification'],
  nsilcm: ['NsiLcmOperationOccurrenceNotification'],
};

/** Filter attributes per API: only those the service can match (an unknown one is refused, not ignored). */
const FILTERS: Record<SubscriptionApi, Schema> = {
  nslcm: {
    nsInstanceSubscriptionFilter: {
      type: 'object',
      additionalProperties: false,
      properties: { nsdIds: texts, vnfdIds: texts, nsInstanceIds: texts, nsInstanceNames: texts },
    },
    notificationTypes: enums(NOTIFICATION_TYPES.nslcm),
    operationTypes: enums(OPERATION_TYPES),
    operationStates: enums(OPERATION_STATES),
    // these narrow NsChangeNotification, which this service does not emit: accepted for compatibility
    nsComponentTypes: enums(['VNF', 'NS', 'PNF']),
    lcmOpNameImpactingNsComponent: texts,
    lcmOpOccStatusImpactingNsComponent: texts,
  },
  nsd: {
    notificationTypes: enums(NOTIFICATION_TYPES.nsd),
    nsdInfoId: texts,
    nsdId: texts,
    nsdName: texts,
    nsdOnboardingState: enums(['CREATED', 'UPLOADING', 'PROCESSING', 'ONBOARDED']),
    nsdOperationalState: enums(['ENABLED', 'DISABLED']),
    nsdUsageState: enums(['IN_USE', 'NOT_IN_USE']),
  },
  vnfpkgm: {
    notificationTypes: enums(NOTIFICATION_TYPES.vnfpkgm),
    vnfPkgId: texts,
    vnfdId: texts,
    operationalState: enums(['ENABLED', 'DISABLED']),
    usageState: enums(['IN_USE', 'NOT_IN_USE']),
  },
  nsilcm: {
    notificationTypes: enums(NOTIFICATION_TYPES.nsilcm),
    nsiIds: texts,
    operationTypes: enums(['INSTANTIATE', 'TERMINATE', 'ACTION']),
    operationStates: enums(OPERATION_STATES),
  },
};

const secret: Schema = { type: 'string', minLength: 1, maxLength: 1024 };

const schemaFor = (api: SubscriptionApi) =>
  new BodySchema<SubscriptionRequest>(
    {
      type: 'object',
      additionalProperties: false,
      properties: {
        callbackUri: { type: 'string', minLength: 1, maxLength: 2048 },
        CallbackUri: { type: 'string', minLength: 1, maxLength: 2048 },
        filter: { type: 'object', additionalProperties: false, properties: FILTERS[api] },
        authentication: {
          type: 'object',
          additionalProperties: false,
          required: ['authType'],
          properties: {
            authType: { type: 'array', minItems: 1, maxItems: 1, items: { enum: ['BASIC', 'OAUTH2_CLIENT_CREDENTIALS'] } },
            paramsBasic: {
              type: 'object',
              additionalProperties: false,
              required: ['userName', 'password'],
              properties: { userName: text, password: secret },
            },
            paramsOauth2ClientCredentials: {
              type: 'object',
              additionalProperties: false,
              required: ['clientId', 'clientPassword', 'tokenEndpoint'],
              properties: {
                clientId: text,
                clientPassword: secret,
                tokenEndpoint: { type: 'string', minLength: 1, maxLength: 2048 },
              },
            },
          },
        },
      },
    },
    'subscription',
  );

export const SUBSCRIPTION_SCHEMAS: Record<SubscriptionApi, BodySchema<SubscriptionRequest>> = {
  nslcm: schemaFor('nslcm'),
  nsd: schemaFor('nsd'),
  vnfpkgm: schemaFor('vnfpkgm'),
  nsilcm: schemaFor('nsilcm'),
};

/** The filter with keys sorted and empty lists dropped: two requests asking the same compare equal. */
export function normaliseFilter(filter: Record<string, unknown> | undefined): Record<string, unknown> {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return [...new Set(v.map(String))].sort();
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = walk((v as Record<string, unknown>)[k]);
        if (Array.isArray(x) ? x.length : x && typeof x === 'object' ? Object.keys(x).length : x !== undefined) out[k] = x;
      }
      return out;
    }
    return v;
  };
  return walk(filter ?? {}) as Record<string, unknown>;
}
