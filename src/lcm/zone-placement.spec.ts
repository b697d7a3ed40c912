import type { VimCapacity } from '../../vim-adapters/contract/src';
import { capacityAware } from './zone-placement';

const zone = (name: string, vcpu: number | null, used = 0, labels: Record<string, string> = {}) => ({
  name,
  labels,
  total: { vcpu, memoryGiB: null, storageGiB: null, gpu: null },
  used: { vcpu: used, memoryGiB: 0, storageGiB: 0, gpu: 0 },
});
const demand = { vcpu: 4, memoryGiB: 8, storageGiB: 20, gpu: 0 };

describe('capacity-aware placement', () => {
  it('picks the fitting zone with most free vCPU', () => {
    const cap: VimCapacity = { zones: [zone('a', 8, 6), zone('b', 16, 4), zone('c', 64, 60)], links: [] };
    expect(capacityAware.place(demand, cap).zone).toBe('b');
  });
  it('honours a pinned zone and wanted labels', () => {
    const cap: VimCapacity = { zones: [zone('core', 100), zone('edge', 10, 0, { edge: 'true' })], links: [] };
    expect(capacityAware.place(demand, cap, { zone: 'core' }).zone).toBe('core');
    expect(capacityAware.place(demand, cap, { labels: { edge: 'true' } }).zone).toBe('edge');
  });
  it('explains when nothing fits, and leaves zoneless VIMs to their scheduler', () => {
    const none = capacityAware.place(demand, { zones: [zone('a', 2)], links: [] });
    expect(none.zone).toBeUndefined();
    expect(none.reason).toMatch(/no zone has room/);
    expect(capacityAware.place(demand, { zones: [], links: [] }).reason).toMatch(/scheduler/);
  });
});
