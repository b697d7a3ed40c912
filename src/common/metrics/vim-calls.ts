import { Logger } from '@nestjs/common';
import { vimCallDuration, vimCallErrors } from './metrics';

const logger = new Logger('VimCall');

/** The contract's error code (`VIM.TIMEOUT`…), a bounded label; anything else is `other`. */
function codeOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^VIM\.[A-Z_]{1,40}$/.test(code) ? code : 'other';
}

/**
 * The one place VIM calls are measured: every asynchronous method of a connected adapter is timed (histogram by VIM
 * type, call and outcome; errors counted by code) and logged at debug level with its duration. Arguments and results
 * are never logged (they hold addresses, user data, credentials). Type guards still see the adapter's methods.
 */
export function instrumentAdapter<T extends object>(adapter: T, vimType: string): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(adapter, {
    get(target, prop) {
      // read on the adapter itself (not the proxy), so getters and methods using #private fields keep working
      const value = Reflect.get(target, prop) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string' || prop === 'constructor') return value;
      const cached = wrapped.get(prop);
      if (cached) return cached;
      const fn = value as (...args: unknown[]) => unknown;
      const timed = (...args: unknown[]): unknown => {
        const started = performance.now();
        const result = fn.apply(target, args);
        if (!(result instanceof Promise)) return result;
        const done = (outcome: 'ok' | 'error', error?: unknown) => {
          const ms = performance.now() - started;
          vimCallDuration.observe({ vim_type: vimType, call: prop, outcome }, ms / 1000);
          if (outcome === 'error') vimCallErrors.inc({ vim_type: vimType, call: prop, code: codeOf(error) });
          logger.debug({
            msg: `vim call ${vimType}.${prop} ${outcome} in ${ms.toFixed(1)} ms`,
            vimType,
            call: prop,
            outcome,
            durationMs: Math.round(ms * 10) / 10,
          });
        };
        return result.then(
          (v) => {
            done('ok');
            return v;
          },
          (e: unknown) => {
            done('error', e);
            throw e;
          },
        );
      };
      wrapped.set(prop, timed);
      return timed;
    },
  });
}
