import type { OutboxEventEntity, SubscriptionEntity } from '../records/notification.entities';
import { ProjectScope } from '../common/records/project-scope';

type Obj = Record<string, unknown>;

/** A filter attribute: absent or empty matches everything; otherwise the value (or one of the values) is listed. */
const allows = (list: unknown, value: unknown): boolean => {
  if (!Array.isArray(list) || list.length === 0) return true;
  const values = Array.isArray(value) ? value : [value];
  return values.some((v) => v !== null && v !== undefined && list.includes(String(v)));
};

/** Attributes matched against the event's subject, per API (SOL005 names). */
const SUBJECT_KEYS: Record<string, [filterKey: string, subjectKey: string][]> = {
  nslcm: [
    ['operationTypes', 'operationType'],
    ['operationStates', 'operationState'],
  ],
  nsd: [
    ['nsdInfoId', 'nsdInfoId'],
    ['nsdId', 'nsdId'],
    ['nsdName', 'nsdName'],
    ['nsdOnboardingState', 'nsdOnboardingState'],
    ['nsdOperationalState', 'nsdOperationalState'],
    ['nsdUsageState', 'nsdUsageState'],
  ],
  vnfpkgm: [
    ['vnfPkgId', 'vnfPkgId'],
    ['vnfdId', 'vnfdId'],
    ['operationalState', 'operationalState'],
    ['usageState', 'usageState'],
  ],
  nsilcm: [
    ['nsiIds', 'nsiId'],
    ['operationTypes', 'operationType'],
    ['operationStates', 'operationState'],
  ],
};

/** Whether the subscription's owner may see the event's record. */
export function visibleTo(sub: Pick<SubscriptionEntity, 'visibleProjects'>, event: Pick<OutboxEventEntity, 'projectsRead'>) {
  return ProjectScope.of({ projectId: '', projectIds: sub.visibleProjects }).canRead({
    projectsRead: event.projectsRead,
    projectsWrite: [],
  });
}

/** SOL005 filter semantics: every given attribute must match (AND); the values of one attribute are alternatives (OR). */
export function matches(
  sub: Pick<SubscriptionEntity, 'api' | 'filter' | 'visibleProjects'>,
  event: Pick<OutboxEventEntity, 'api' | 'notificationType' | 'subject' | 'projectsRead'>,
): boolean {
  if (sub.api !== event.api || !visibleTo(sub, event)) return false;
  const f = sub.filter as Obj;
  if (!allows(f.notificationTypes, event.notificationType)) return false;
  const s = event.subject;
  // operation types/states ask for operation notifications: other kinds only when notificationTypes names them
  const named = Array.isArray(f.notificationTypes) && f.notificationTypes.includes(event.notificationType);
  const opOnly = [f.operationTypes, f.operationStates].some((x) => Array.isArray(x) && x.length);
  const isOp = event.notificationType.endsWith('LcmOperationOccurrenceNotification');
  if (!isOp && opOnly && !named) return false;
  for (const [fk, sk] of SUBJECT_KEYS[sub.api] ?? []) {
    if (!isOp && (fk === 'operationTypes' || fk === 'operationStates')) continue;
    if (!allows(f[fk], s[sk])) return false;
  }
  if (sub.api === 'nslcm') {
    const ns = (f.nsInstanceSubscriptionFilter ?? {}) as Obj;
    if (!allows(ns.nsInstanceIds, s.nsInstanceId)) return false;
    if (!allows(ns.nsInstanceNames, s.nsInstanceName)) return false;
    if (!allows(ns.nsdIds, s.nsdIds)) return false;
    if (!allows(ns.vnfdIds, s.vnfdIds)) return false;
  }
  return true;
}
