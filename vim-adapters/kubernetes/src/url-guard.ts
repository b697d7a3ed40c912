import type { KubeConfig } from '@kubernetes/client-node';
import type { Agent } from 'node:http';
import { deniedCause, guardAgent, remoteText, VimError } from '../../contract/src';

/**
 * The VIM URL policy (contract/src/url-policy.ts) on a cluster's API server. The kubeconfig's `server` is checked at
 * registration (kubeconfig.ts); here, every connection: client-node makes its own HTTP(S) agent per request (REST
 * through node-fetch, exec through a WebSocket), always in `createAgent`, so that is where ours are guarded — the
 * name resolved, every address checked, the checked one connected to.
 */
export function guardKubeConfig(kc: KubeConfig): KubeConfig {
  type CreateAgent = (cluster: unknown, options: unknown) => Agent;
  const hooked = kc as unknown as { createAgent: CreateAgent };
  const orig = hooked.createAgent.bind(kc);
  hooked.createAgent = (cluster, options) => guardAgent(orig(cluster, options));
  return kc;
}

/**
 * A refusal by the policy behind a client-node error, as the non-retryable VIM.CONFIG_INVALID it is (the same URL is
 * refused next time too). node-fetch 2 keeps only the socket error's `code` and text (`request to … failed, reason:
 * refused to connect: …`): a code of ours no system error has; the WebSocket keeps the error itself.
 */
export function urlRefusal(e: unknown, where: string): VimError | undefined {
  for (let c: unknown = e, i = 0; c && i < 5; c = (c as { cause?: unknown }).cause, i++) {
    const denied = deniedCause(c);
    if (denied) return new VimError('VIM.CONFIG_INVALID', `${where}: ${remoteText(denied.message)}`, false);
    const err = c as { code?: unknown; type?: unknown; message?: unknown };
    const why =
      err.code === 'VIM.CONFIG_INVALID' && typeof err.message === 'string' && /refused to connect: .*$/.exec(err.message);
    if (why) return new VimError('VIM.CONFIG_INVALID', `${where}: ${remoteText(why[0])}`, false);
  }
  return undefined;
}

/**
 * The adapter with every call's refusal mapped by urlRefusal (the adapter itself reports transport errors as
 * retryable UNREACHABLE, the cause kept); everything else passes unchanged.
 */
export function mapUrlRefusals<T extends object>(adapter: T, where: string): T {
  const map = (e: unknown): never => {
    throw urlRefusal(e, where) ?? e;
  };
  return new Proxy(adapter, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result instanceof Promise ? result.catch(map) : result;
        } catch (e) {
          return map(e);
        }
      };
    },
  });
}
