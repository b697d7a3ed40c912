import type { KubeConfig, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { VimError } from '../../contract/src';
import { kubernetesError } from './errors';

type K8s = typeof import('@kubernetes/client-node');
type Obj = Record<string, unknown>;

export const FIELD_MANAGER = 'opencloudedge-mano';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The generic object calls the adapter makes, each turning the client's errors into the contract's VimErrors. */
export class KubeObjects {
  private readonly api: KubernetesObjectApi;

  constructor(
    kc: KubeConfig,
    private readonly k8s: K8s,
  ) {
    this.api = k8s.KubernetesObjectApi.makeApiClient(kc);
  }

  async serverSideApply(obj: Obj): Promise<void> {
    const what = `apply ${String(obj.kind)} ${String((obj.metadata as Obj).name)}`;
    try {
      await this.api.patch(
        obj as KubernetesObject,
        undefined,
        undefined,
        FIELD_MANAGER,
        true,
        this.k8s.PatchStrategy.ServerSideApply,
      );
    } catch (e) {
      throw kubernetesError(e, what);
    }
  }

  /** A merge patch by our field manager (a partial server-side apply would drop the fields applied before). */
  async mergePatch(obj: KubernetesObject, what: string): Promise<void> {
    try {
      await this.api.patch(obj, undefined, undefined, FIELD_MANAGER, undefined, this.k8s.PatchStrategy.MergePatch);
    } catch (e) {
      throw kubernetesError(e, what);
    }
  }

  async read(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubernetesObject | null> {
    try {
      return await this.api.read({ apiVersion, kind, metadata: { name, namespace } });
    } catch (e) {
      const error = kubernetesError(e, `read ${kind} ${name}`);
      if (error.code === 'VIM.NOT_FOUND') return null;
      throw error;
    }
  }

  async list<T extends KubernetesObject = KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace?: string,
    labelSelector?: string,
  ): Promise<T[]> {
    try {
      const res = await this.api.list<T>(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector);
      return res.items;
    } catch (e) {
      throw kubernetesError(e, `list ${kind}${namespace ? ` in ${namespace}` : ''}`);
    }
  }

  async delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<boolean> {
    try {
      await this.api.delete(
        { apiVersion, kind, metadata: { name, namespace } },
        undefined,
        undefined,
        undefined,
        undefined,
        'Background',
      );
      return true;
    } catch (e) {
      const error = kubernetesError(e, `delete ${kind} ${name}`);
      if (error.code === 'VIM.NOT_FOUND') return false;
      throw error;
    }
  }

  async untilGone(apiVersion: string, kind: string, name: string, namespace?: string): Promise<void> {
    for (
      let delay = 100, waited = 0;
      await this.read(apiVersion, kind, name, namespace);
      waited += delay, delay = Math.min(delay * 2, 2000)
    ) {
      if (waited > 60_000)
        throw new VimError(
          'VIM.TIMEOUT',
          `${kind} ${name} is still being deleted after 60 s (finalizers: is it still in use?)`,
          true,
        );
      await sleep(delay);
    }
  }
}
