import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** The notifications' shapes (SOL005 names), for openapi.yaml: POSTed to callbacks and streamed by GET /osm/events. */
const link: SchemaObject = { type: 'object', properties: { href: { type: 'string' } }, required: ['href'] };
const common = (type: string, extra: Record<string, SchemaObject>, links: string[]): SchemaObject => ({
  type: 'object',
  required: ['id', 'notificationType', 'timeStamp', '_links'],
  properties: {
    id: { type: 'string', description: 'stable across delivery attempts: de-duplicate on it' },
    notificationType: { type: 'string', enum: [type] },
    subscriptionId: { type: 'string', description: 'absent on the SSE stream' },
    timeStamp: { type: 'string', format: 'date-time' },
    ...extra,
    _links: { type: 'object', properties: Object.fromEntries([...links, 'subscription'].map((l) => [l, link])) },
  },
});
const problem: SchemaObject = {
  type: 'object',
  properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' } },
};
const states = ['PROCESSING', 'COMPLETED', 'PARTIALLY_COMPLETED', 'FAILED_TEMP', 'FAILED', 'ROLLING_BACK', 'ROLLED_BACK'];
const opFields = (subject: string, opId: string): Record<string, SchemaObject> => ({
  [subject]: { type: 'string' },
  [opId]: { type: 'string' },
  operation: { type: 'string', example: 'INSTANTIATE' },
  notificationStatus: { type: 'string', enum: ['START', 'RESULT'] },
  operationState: { type: 'string', enum: states },
  isAutomaticInvocation: { type: 'boolean' },
  error: problem,
});

export const NOTIFICATION_SCHEMAS: Record<string, SchemaObject> = {
  NsLcmOperationOccurrenceNotification: common('NsLcmOperationOccurrenceNotification', opFields('nsInstanceId', 'nsLcmOpOccId'), [
    'nsInstance',
    'nsLcmOpOcc',
  ]),
  NsIdentifierCreationNotification: common('NsIdentifierCreationNotification', { nsInstanceId: { type: 'string' } }, [
    'nsInstance',
  ]),
  NsIdentifierDeletionNotification: common('NsIdentifierDeletionNotification', { nsInstanceId: { type: 'string' } }, [
    'nsInstance',
  ]),
  NsdOnBoardingNotification: common('NsdOnBoardingNotification', { nsdInfoId: { type: 'string' }, nsdId: { type: 'string' } }, [
    'nsdInfo',
  ]),
  NsdOnboardingFailureNotification: common(
    'NsdOnboardingFailureNotification',
    { nsdInfoId: { type: 'string' }, nsdId: { type: 'string' }, onboardingFailureDetails: problem },
    ['nsdInfo'],
  ),
  NsdChangeNotification: common(
    'NsdChangeNotification',
    {
      nsdInfoId: { type: 'string' },
      nsdId: { type: 'string' },
      nsdOperationalState: { type: 'string', enum: ['ENABLED', 'DISABLED'] },
    },
    ['nsdInfo'],
  ),
  NsdDeletionNotification: common('NsdDeletionNotification', { nsdInfoId: { type: 'string' }, nsdId: { type: 'string' } }, [
    'nsdInfo',
  ]),
  VnfPackageOnboardingNotification: common(
    'VnfPackageOnboardingNotification',
    { vnfPkgId: { type: 'string' }, vnfdId: { type: 'string' } },
    ['vnfPackage'],
  ),
  VnfPackageChangeNotification: common(
    'VnfPackageChangeNotification',
    {
      vnfPkgId: { type: 'string' },
      vnfdId: { type: 'string' },
      changeType: { type: 'string', enum: ['OP_STATE_CHANGE', 'PKG_DELETE'] },
      operationalState: { type: 'string', enum: ['ENABLED', 'DISABLED'] },
    },
    ['vnfPackage'],
  ),
  NsiLcmOperationOccurrenceNotification: common('NsiLcmOperationOccurrenceNotification', opFields('nsiId', 'nsiLcmOpOccId'), [
    'nsiInstance',
    'nsiLcmOpOcc',
  ]),
};
