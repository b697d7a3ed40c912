import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { recordOperationTransition } from '../common/metrics/metrics';
import { OutboxEventEntity, SubscriptionApi } from './notification.entities';

/**
 * The outbox writer: every notifiable state change calls one of these with the EntityManager of the transaction
 * that makes the change, so the notification exists exactly when the change does (a rolled-back change leaves
 * none, a crash after the commit loses none). Delivery is the subscriptions module's (src/subscriptions).
 */

/** Fired (in this process) when an event was written: the dispatcher looks sooner than its poll. */
export const outboxSignal = new EventEmitter();
outboxSignal.setMaxListeners(0);

type Obj = Record<string, unknown>;

interface OutboxInput {
  api: SubscriptionApi;
  notificationType: string;
  payload: Obj;
  subject: Obj;
  projectsRead: string[];
}

async function recordEvent(em: EntityManager, e: OutboxInput): Promise<void> {
  await em.insert(OutboxEventEntity, {
    id: randomUUID(),
    api: e.api,
    notificationType: e.notificationType,
    payload: { notificationType: e.notificationType, timeStamp: new Date().toISOString(), ...e.payload },
    subject: e.subject,
    projectsRead: e.projectsRead,
    dispatchSeq: null,
    created: Date.now() / 1000,
  } as never);
  // after the current turn: the transaction usually commits by then (the dispatcher polls anyway)
  setImmediate(() => outboxSignal.emit('event'));
}

const NSLCM = '/osm/nslcm/v1';

/** What an operation row carries that a notification needs (NS and slice operations alike). */
export interface OpLike {
  id: string;
  lcmOperationType: string;
  operationState: string;
  errorMessage?: string | null;
  projectsRead: string[];
  operationParams?: Obj;
  /** Seconds since the epoch, for the operation duration metric. */
  startTime?: number;
}

/** NS identity for filters (the NS row, looked up by entity name so this module does not depend on its location). */
async function nsSubject(em: EntityManager, nsId: string): Promise<Obj> {
  const ns = (await em.findOne('NsInstanceEntity', { where: { id: nsId } })) as { name?: string; record?: Obj } | null;
  const record = ns?.record ?? {};
  return {
    nsInstanceId: nsId,
    nsInstanceName: ns?.name ?? null,
    nsdIds: [record['nsd-id'], record['nsd-ref']].filter((x) => typeof x === 'string'),
    vnfdIds: Array.isArray(record['vnfd-id']) ? record['vnfd-id'] : [],
  };
}

/** SOL005 `notificationStatus`: START when an operation (re)starts or rolls back, RESULT when it stops in a state. */
const statusOf = (state: string) => (state === 'PROCESSING' || state === 'ROLLING_BACK' ? 'START' : 'RESULT');

/**
 * `NsLcmOperationOccurrenceNotification` for the operation's current state (call after setting it, in the
 * transaction that stores it, before the NS itself may be removed).
 */
export async function notifyNsLcmOp(em: EntityManager, op: OpLike & { nsInstanceId: string }): Promise<void> {
  // every stored transition passes here (the notification of the new state), so it is also where it is counted
  recordOperationTransition('ns', op);
  const subject = await nsSubject(em, op.nsInstanceId);
  const failed = op.operationState === 'FAILED_TEMP' || op.operationState === 'FAILED';
  await recordEvent(em, {
    api: 'nslcm',
    notificationType: 'NsLcmOperationOccurrenceNotification',
    subject: { ...subject, operationType: op.lcmOperationType.toUpperCase(), operationState: op.operationState },
    projectsRead: op.projectsRead,
    payload: {
      nsInstanceId: op.nsInstanceId,
      nsLcmOpOccId: op.id,
      operation: op.lcmOperationType.toUpperCase(),
      notificationStatus: statusOf(op.operationState),
      operationState: op.operationState,
      isAutomaticInvocation: op.operationParams?.isAutomaticInvocation === true,
      ...(failed && op.errorMessage ? { error: problem(op.errorMessage) } : {}),
      _links: {
        nsInstance: { href: `${NSLCM}/ns_instances/${op.nsInstanceId}` },
        nsLcmOpOcc: { href: `${NSLCM}/ns_lcm_op_occs/${op.id}` },
      },
    },
  });
}

/** `NsIdentifierCreationNotification` / `NsIdentifierDeletionNotification` (call before the NS row is deleted). */
export async function notifyNsIdentifier(
  em: EntityManager,
  change: 'Creation' | 'Deletion',
  ns: { id: string; projectsRead: string[] },
): Promise<void> {
  const subject = await nsSubject(em, ns.id);
  await recordEvent(em, {
    api: 'nslcm',
    notificationType: `NsIdentifier${change}Notification`,
    subject,
    projectsRead: ns.projectsRead,
    payload: { nsInstanceId: ns.id, _links: { nsInstance: { href: `${NSLCM}/ns_instances/${ns.id}` } } },
  });
}

/** A slice operation (`nsilcm`): the NS notification's shape with `nsiId`/`nsiLcmOpOccId` (OSM has no SOL005 for slices). */
export async function notifyNsiLcmOp(em: EntityManager, op: OpLike & { netsliceInstanceId: string }): Promise<void> {
  recordOperationTransition('nsi', op);
  const failed = op.operationState === 'FAILED_TEMP' || op.operationState === 'FAILED';
  await recordEvent(em, {
    api: 'nsilcm',
    notificationType: 'NsiLcmOperationOccurrenceNotification',
    subject: {
      nsiId: op.netsliceInstanceId,
      operationType: op.lcmOperationType.toUpperCase(),
      operationState: op.operationState,
    },
    projectsRead: op.projectsRead,
    payload: {
      nsiId: op.netsliceInstanceId,
      nsiLcmOpOccId: op.id,
      operation: op.lcmOperationType.toUpperCase(),
      notificationStatus: statusOf(op.operationState),
      operationState: op.operationState,
      isAutomaticInvocation: false,
      ...(failed && op.errorMessage ? { error: problem(op.errorMessage) } : {}),
      _links: {
        nsiInstance: { href: `/osm/nsilcm/v1/netslice_instances/${op.netsliceInstanceId}` },
        nsiLcmOpOcc: { href: `/osm/nsilcm/v1/nsi_lcm_op_occs/${op.id}` },
      },
    },
  });
}

/** A catalog item as the package notifications read it. */
export interface CatalogLike {
  id: string;
  kind: string;
  descriptorId: string | null;
  descriptor: Obj;
  admin: Obj;
  projectsRead: string[];
}

export type CatalogChange = 'OnBoarding' | 'OnboardingFailure' | 'Change' | 'Deletion';

/**
 * SOL005 package notifications: `Nsd{OnBoarding,OnboardingFailure,Change,Deletion}Notification` (nsd) and
 * `VnfPackage{OnboardingNotification,ChangeNotification}` (vnfpkgm: SOL005 has onboarding and change, a deletion
 * being a change with `changeType: PKG_DELETE`). Other kinds (slice templates) have none.
 */
export async function notifyCatalog(em: EntityManager, change: CatalogChange, item: CatalogLike, error?: string): Promise<void> {
  const d = item.descriptor ?? {};
  if (item.kind === 'nsd') {
    const type = change === 'OnBoarding' ? 'NsdOnBoardingNotification' : `Nsd${change}Notification`;
    await recordEvent(em, {
      api: 'nsd',
      notificationType: type,
      subject: {
        nsdInfoId: item.id,
        nsdId: item.descriptorId,
        nsdName: d.name ?? null,
        nsdOnboardingState: item.admin.onboardingState,
        nsdOperationalState: item.admin.operationalState,
        nsdUsageState: item.admin.usageState,
      },
      projectsRead: item.projectsRead,
      payload: {
        nsdInfoId: item.id,
        ...(item.descriptorId ? { nsdId: item.descriptorId } : {}),
        ...(change === 'Change' ? { nsdOperationalState: item.admin.operationalState } : {}),
        ...(change === 'OnboardingFailure' ? { onboardingFailureDetails: problem(error ?? 'onboarding failed', 422) } : {}),
        _links: { nsdInfo: { href: `/osm/nsd/v1/ns_descriptors/${item.id}` } },
      },
    });
  } else if (item.kind === 'vnfd') {
    const onboarding = change === 'OnBoarding';
    if (change === 'OnboardingFailure') return; // SOL005 has no VNF package onboarding failure notification
    await recordEvent(em, {
      api: 'vnfpkgm',
      notificationType: onboarding ? 'VnfPackageOnboardingNotification' : 'VnfPackageChangeNotification',
      subject: {
        vnfPkgId: item.id,
        vnfdId: item.descriptorId,
        operationalState: item.admin.operationalState,
        usageState: item.admin.usageState,
      },
      projectsRead: item.projectsRead,
      payload: {
        vnfPkgId: item.id,
        ...(item.descriptorId ? { vnfdId: item.descriptorId } : {}),
        ...(onboarding
          ? {}
          : {
              changeType: change === 'Deletion' ? 'PKG_DELETE' : 'OP_STATE_CHANGE',
              operationalState: item.admin.operationalState,
            }),
        _links: { vnfPackage: { href: `/osm/vnfpkgm/v1/vnf_packages/${item.id}` } },
      },
    });
  }
}

/** SOL013 ProblemDetails. */
const problem = (detail: string, status = 500): Obj => ({
  type: 'about:blank',
  title: status === 422 ? 'Unprocessable package' : 'Operation failed',
  status,
  detail,
});
