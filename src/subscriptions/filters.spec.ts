import { matches } from './filters';

const event = (over: Record<string, unknown> = {}) => ({
  api: 'nslcm' as const,
  notificationType: 'NsLcmOperationOccurrenceNotification',
  subject: {
    nsInstanceId: 'ns1',
    nsInstanceName: 'one',
    nsdIds: ['nsd-a'],
    vnfdIds: [],
    operationType: 'INSTANTIATE',
    operationState: 'COMPLETED',
  },
  projectsRead: ['p1'],
  ...over,
});
const sub = (filter: Record<string, unknown>, visibleProjects = ['p1']) => ({ api: 'nslcm' as const, filter, visibleProjects });

describe('subscription filters', () => {
  it('matches every given attribute (AND), any listed value (OR)', () => {
    expect(matches(sub({}), event())).toBe(true);
    expect(matches(sub({ operationTypes: ['INSTANTIATE', 'TERMINATE'] }), event())).toBe(true);
    expect(matches(sub({ operationTypes: ['TERMINATE'] }), event())).toBe(false);
    expect(matches(sub({ operationStates: ['COMPLETED'], operationTypes: ['SCALE'] }), event())).toBe(false);
    expect(matches(sub({ nsInstanceSubscriptionFilter: { nsInstanceIds: ['ns1'] } }), event())).toBe(true);
    expect(matches(sub({ nsInstanceSubscriptionFilter: { nsInstanceIds: ['ns2'] } }), event())).toBe(false);
    expect(matches(sub({ nsInstanceSubscriptionFilter: { nsdIds: ['nsd-a'] } }), event())).toBe(true);
    expect(matches(sub({ nsInstanceSubscriptionFilter: { nsInstanceNames: ['two'] } }), event())).toBe(false);
    expect(matches(sub({ notificationTypes: ['NsIdentifierCreationNotification'] }), event())).toBe(false);
  });

  it('keeps other notification kinds out of an operation-state filter unless named', () => {
    const created = event({ notificationType: 'NsIdentifierCreationNotification' });
    expect(matches(sub({ operationStates: ['FAILED_TEMP'] }), created)).toBe(false);
    expect(
      matches(sub({ operationStates: ['FAILED_TEMP'], notificationTypes: ['NsIdentifierCreationNotification'] }), created),
    ).toBe(true);
  });

  it('shows a subscription only what its projects may read; an admin one everything', () => {
    expect(matches(sub({}, ['p2']), event())).toBe(false);
    expect(matches(sub({}, []), event())).toBe(true);
    expect(matches(sub({}, ['p2']), event({ projectsRead: ['p1', 'ANY'] }))).toBe(true);
    expect(matches({ ...sub({}), api: 'nsd' as const }, event())).toBe(false);
  });
});
