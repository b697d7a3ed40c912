/** The part of a pod's status that says why a container is not running. */
export interface ContainerStatuses {
  metadata?: { name?: string };
  status?: {
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
}
interface ContainerStatus {
  name: string;
  state?: {
    waiting?: { reason?: string; message?: string };
    terminated?: { reason?: string; exitCode?: number; message?: string };
  };
}

/** Reasons a kubelet gives only as it is, not as the user's workload failing: a container merely starting. */
const NORMAL = new Set(['ContainerCreating', 'PodInitializing']);

/**
 * Why a pod's containers wait, as its kubelet reports it (`ErrImagePull`, `ImagePullBackOff`, `CrashLoopBackOff`,
 * `CreateContainerConfigError`…): the pod's Ready condition says only "containers with unready status", so a
 * readiness failure names these instead. Pure.
 */
export function containerTrouble(pod: ContainerStatuses): string[] {
  const out: string[] = [];
  for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const waiting = c.state?.waiting;
    if (waiting?.reason && !NORMAL.has(waiting.reason))
      out.push(
        `${pod.metadata?.name} container ${c.name} waiting (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''})`,
      );
  }
  return out;
}
