import { vimCallDuration, vimCallErrors } from './metrics';
import { instrumentAdapter } from './vim-calls';

class FakeAdapter {
  #calls = 0;
  get calls(): number {
    return this.#calls;
  }
  async apply(x: number): Promise<number> {
    this.#calls++;
    return x * 2;
  }
  async remove(): Promise<void> {
    throw Object.assign(new Error('quota'), { code: 'VIM.QUOTA_EXCEEDED' });
  }
  async observe(): Promise<void> {
    throw new Error('not a contract error');
  }
  name(): string {
    return 'fake';
  }
}

const matches = (have: object, want: Record<string, string>) =>
  Object.entries(want).every(([k, x]) => (have as Record<string, unknown>)[k] === x);
const count = async (labels: Record<string, string>) =>
  (await vimCallDuration.get()).values.find(
    (v) => v.metricName === 'mano_vim_call_duration_seconds_count' && matches(v.labels, labels),
  )?.value ?? 0;
const errors = async (labels: Record<string, string>) =>
  (await vimCallErrors.get()).values.find((v) => matches(v.labels, labels))?.value ?? 0;

describe('instrumentAdapter', () => {
  it('times asynchronous calls by type, call and outcome, counts errors by code, and keeps the adapter working', async () => {
    const adapter = instrumentAdapter(new FakeAdapter(), 'fake');
    expect(await adapter.apply(21)).toBe(42);
    expect(adapter.calls).toBe(1); // a getter reading a #private field
    await expect(adapter.remove()).rejects.toThrow('quota');
    await expect(adapter.observe()).rejects.toThrow('not a contract error');
    expect(adapter.name()).toBe('fake'); // synchronous: passed through, not timed
    expect(typeof (adapter as unknown as { exec?: unknown }).exec).toBe('undefined'); // capability guards unchanged

    expect(await count({ vim_type: 'fake', call: 'apply', outcome: 'ok' })).toBe(1);
    expect(await count({ vim_type: 'fake', call: 'remove', outcome: 'error' })).toBe(1);
    expect(await count({ vim_type: 'fake', call: 'name' })).toBe(0);
    expect(await errors({ vim_type: 'fake', call: 'remove', code: 'VIM.QUOTA_EXCEEDED' })).toBe(1);
    expect(await errors({ vim_type: 'fake', call: 'observe', code: 'other' })).toBe(1);
  });
});
