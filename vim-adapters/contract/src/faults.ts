import { configInvalid } from './errors';
import { isObj } from './values';
import { FAULT_OPERATIONS, FaultOperation, FaultSpec } from './vim-adapter';

function num(v: unknown, path: string, { min = 0, integer = false } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw configInvalid(path, `must be ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
  }
  return v;
}

/** Reads a FaultSpec (camelCase or snake_case keys), naming the bad field. */
export function parseFaultSpec(v: unknown, path: string): FaultSpec {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw configInvalid(path, 'must be an object');
  const calls = (key: string): number[] | undefined => {
    const raw = v[key] ?? v[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
    if (raw === undefined) return undefined;
    const list = Array.isArray(raw) ? raw : [raw];
    return list.map((n, i) => num(n, `${path}.${key}[${i}]`, { min: 1, integer: true }));
  };
  const rate = v.failureRate ?? v.failure_rate;
  const codes = ['VIM.UNREACHABLE', 'VIM.TIMEOUT', 'VIM.QUOTA_EXCEEDED', 'VIM.CONFLICT', 'VIM.INTERNAL', 'VIM.AUTH_FAILED'];
  const errorCode = v.errorCode ?? v.error_code;
  if (errorCode !== undefined && !codes.includes(String(errorCode)))
    throw configInvalid(`${path}.errorCode`, `must be one of ${codes.join(', ')}`);
  const operations = v.operations === undefined ? undefined : Array.isArray(v.operations) ? v.operations : [v.operations];
  operations?.forEach((o, i) => {
    if (!FAULT_OPERATIONS.includes(o as FaultOperation))
      throw configInvalid(`${path}.operations[${i}]`, `must be one of ${FAULT_OPERATIONS.join(', ')}`);
  });
  const spec: FaultSpec = {
    failCalls: calls('failCalls'),
    hangCalls: calls('hangCalls'),
    failureRate: rate === undefined ? undefined : num(rate, `${path}.failureRate`),
    seed: v.seed === undefined ? undefined : num(v.seed, `${path}.seed`, { integer: true }),
    errorCode: errorCode as FaultSpec['errorCode'],
    retryable: v.retryable === undefined ? undefined : Boolean(v.retryable),
    hangMs: (v.hangMs ?? v.hang_ms) ? num(v.hangMs ?? v.hang_ms, `${path}.hangMs`) : undefined,
    operations: operations as FaultOperation[] | undefined,
  };
  if (spec.failureRate !== undefined && spec.failureRate > 1) throw configInvalid(`${path}.failureRate`, 'must be from 0 to 1');
  return Object.fromEntries(Object.entries(spec).filter(([, x]) => x !== undefined)) as FaultSpec;
}
