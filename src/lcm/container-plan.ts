import type { DesiredCompute, Flavor, Probe, ServicePort } from '../../vim-adapters/contract/src';
import { DomainError, FieldProblem } from '../common/errors/domain-error';
import { Obj, list, num, str, truthy } from '../common/values';
import { renderTemplate } from './day-n';
import type { InstantiateParams } from './planner';

/** What a VDU needs as a container beyond SOL006 (our `vdu[].kubernetes` extension), in the contract's terms. Pure. */
export const probeOf = (p: Obj | undefined): Probe | undefined => {
  if (!p) return undefined;
  const http = p['http-get'] as Obj | undefined;
  const tcp = p['tcp-socket'] as Obj | undefined;
  const exec = p.exec as Obj | undefined;
  return {
    httpGet: http ? { path: str(http.path) ?? '/', port: num(http.port, 80) } : undefined,
    tcpSocket: tcp ? { port: num(tcp.port, 80) } : undefined,
    exec: exec ? { command: (exec.command as unknown[]).map(String) } : undefined,
    initialDelaySeconds: p['initial-delay-seconds'] === undefined ? undefined : num(p['initial-delay-seconds'], 0),
    periodSeconds: p['period-seconds'] === undefined ? undefined : num(p['period-seconds'], 10),
    failureThreshold: p['failure-threshold'] === undefined ? undefined : num(p['failure-threshold'], 3),
  };
};

export const kubernetesGpu = (vdu: Obj): Pick<Flavor, 'gpu' | 'gpuVendor'> => {
  const gpu = (vdu.kubernetes as Obj | undefined)?.gpu as Obj | undefined;
  return gpu ? { gpu: num(gpu.count, 1), gpuVendor: str(gpu.vendor) === 'amd' ? 'amd' : 'nvidia' } : {};
};

const UTILIZATION_METRICS: Record<string, 'cpuUtilization' | 'memoryUtilization'> = {
  cpu_utilization: 'cpuUtilization',
  average_memory_utilization: 'memoryUtilization',
  memory_utilization: 'memoryUtilization',
};

/**
 * SOL006 automatic scaling of a VDU on CPU or memory utilisation (an enabled `scaling-policy` of an aspect that
 * scales the VDU, its criterion on a `monitoring-parameter` of the VDU) as VIM-side autoscaling: from one replica up
 * to one per level of the aspect, at the scale-out threshold.
 */
export function autoscalingPolicy(vnfd: Obj, vdu: Obj): DesiredCompute['autoscaling'] {
  const params = new Map(list(vdu['monitoring-parameter']).map((m) => [String(m.id), str(m['performance-metric'])]));
  for (const aspect of list(list(vnfd.df)[0]?.['scaling-aspect'])) {
    const delta = list((aspect['aspect-delta-details'] as Obj | undefined)?.deltas)
      .flatMap((d) => list(d['vdu-delta']))
      .find((d) => str(d.id) === str(vdu.id));
    if (!delta) continue;
    for (const policy of list(aspect['scaling-policy'])) {
      if (str(policy['scaling-type']) !== 'automatic' || policy.enabled === false || policy.enabled === 'false') continue;
      const targets: NonNullable<DesiredCompute['autoscaling']> = {
        minReplicas: 1,
        maxReplicas: 1 + num(aspect['max-scale-level'], 1) * num(delta['number-of-instances'], 1),
      };
      for (const c of list(policy['scaling-criteria'])) {
        const metric = UTILIZATION_METRICS[params.get(String(c['vnf-monitoring-param-ref'])) ?? ''];
        if (metric && c['scale-out-threshold'] !== undefined) targets[metric] = Math.round(num(c['scale-out-threshold'], 80));
      }
      if (targets.cpuUtilization || targets.memoryUtilization) return targets;
    }
  }
  return undefined;
}

/** A whole number of a descriptor (or the `{{ param }}` it holds, rendered by `int`). */
export type IntOf = (value: unknown, fallback: number, what: string) => number;
const plainInt: IntOf = (value, fallback) => num(value, fallback);

/**
 * Our `vdu[].kubernetes` extension (validated at onboarding) in the contract's VIM-neutral terms; the autoscaling
 * bounds may be `{{ param }}`s (rendered by `int`).
 */
export function kubernetesOf(vdu: Obj, int: IntOf = plainInt) {
  const k = (vdu.kubernetes ?? {}) as Obj;
  const services = new Map<string, ServicePort>(
    list(k.ports).map((p) => {
      const http = p.http as Obj | undefined;
      return [
        String(p.cpd),
        {
          port: num(p.port, 80),
          targetPort: p['target-port'] === undefined ? undefined : num(p['target-port'], 80),
          protocol: (str(p.protocol) ?? 'TCP') as ServicePort['protocol'],
          expose: str(p.expose) as ServicePort['expose'],
          http: http
            ? { host: String(http.host), path: str(http.path), public: truthy(http.public), tls: truthy(http.tls) }
            : undefined,
        },
      ];
    }),
  );
  const probes = k.probes as Obj | undefined;
  const autoscaling = k.autoscaling as Obj | undefined;
  return {
    services,
    probes: probes ? { readiness: probeOf(probes.readiness as Obj), liveness: probeOf(probes.liveness as Obj) } : undefined,
    apiAccess: list(k['api-access']).length
      ? list(k['api-access']).map((r) => ({
          apiGroups: ((r['api-groups'] as unknown[] | undefined) ?? ['']).map(String),
          resources: (r.resources as unknown[]).map(String),
          verbs: (r.verbs as unknown[]).map(String),
        }))
      : undefined,
    autoscaling: autoscaling
      ? {
          minReplicas: int(autoscaling['min-replicas'], 1, `vdu ${String(vdu.id)} autoscaling min-replicas`),
          maxReplicas: int(autoscaling['max-replicas'], 1, `vdu ${String(vdu.id)} autoscaling max-replicas`),
          cpuUtilization:
            autoscaling['cpu-utilization'] === undefined
              ? undefined
              : int(autoscaling['cpu-utilization'], 80, `vdu ${String(vdu.id)} autoscaling cpu-utilization`),
          memoryUtilization:
            autoscaling['memory-utilization'] === undefined
              ? undefined
              : int(autoscaling['memory-utilization'], 80, `vdu ${String(vdu.id)} autoscaling memory-utilization`),
        }
      : undefined,
  };
}
/**
 * A container VDU's image names and `kubernetes.env` values take `{{ param }}` from additionalParamsForVnf/-Vdu (e.g.
 * `{{ image_registry | default('docker.io') }}/library/registry:2.8.3`, so a user pulls from a private registry);
 * `secret-key` entries name a key of the VNF's generated Secret, `generated-secret` makes it.
 */
export function containerOf(
  vdu: Obj,
  params: InstantiateParams,
  member: string,
  secretName: string,
  services: Record<string, string> = {},
) {
  const forVnf = params.additionalParamsForVnf?.find((a) => String(a['member-vnf-index']) === member) as Obj | undefined;
  const forVdu = list(forVnf?.additionalParamsForVdu).find((v) => str(v.vdu_id) === str(vdu.id));
  // `{{ service.<vdu id> }}`: the name of the first instance of a VDU of the same VNF (its Service's DNS name)
  const values = {
    ...Object.fromEntries(Object.entries(services).map(([id, name]) => [`service.${id}`, name])),
    ...((forVnf?.additionalParams as Obj | undefined) ?? {}),
    ...((forVdu?.additionalParams as Obj | undefined) ?? {}),
  };
  const problems: FieldProblem[] = [];
  const at = `additionalParamsForVnf[member-vnf-index=${member}]`;
  const render = (text: string, what: string) => renderTemplate(text, values, at, problems, what);
  const k = (vdu.kubernetes ?? {}) as Obj;
  const env: Record<string, string> = {};
  const secretEnv: Record<string, { secret: string; key: string }> = {};
  for (const e of list(k.env)) {
    if (e['secret-key'] !== undefined) secretEnv[String(e.name)] = { secret: secretName, key: String(e['secret-key']) };
    else env[String(e.name)] = render(String(e.value ?? ''), `vdu ${String(vdu.id)} env ${String(e.name)}`);
  }
  const generated = k['generated-secret'] as Obj | undefined;
  const isolated = k['isolated-pods'] as Obj | undefined;
  const out = {
    render: (image: string) => render(image, `vdu ${String(vdu.id)} image`),
    env: Object.keys(env).length ? env : undefined,
    secretEnv: Object.keys(secretEnv).length ? secretEnv : undefined,
    command: Array.isArray(k.command) ? k.command.map((c) => render(String(c), `vdu ${String(vdu.id)} command`)) : undefined,
    args: Array.isArray(k.args) ? k.args.map((c) => render(String(c), `vdu ${String(vdu.id)} args`)) : undefined,
    isolatedPodsLabel: str(isolated?.label),
    /** A number or a `{{ param }}` rendering to a whole number ≥ 0 (else a problem naming it). */
    int: ((value, fallback, what) => {
      if (typeof value !== 'string' || !value.includes('{{')) return num(value, fallback);
      const text = render(value, what).trim();
      if (/^\d+$/.test(text)) return Number(text);
      problems.push({ path: at, message: `${what} must be a whole number; '${value}' gives '${text}'` });
      return fallback;
    }) as IntOf,
    generatedSecret: generated ? { name: secretName, keys: (generated.keys as unknown[]).map(String) } : undefined,
    problem: (message: string) => problems.push({ path: at, message }),
    check: () => {
      if (problems.length) throw DomainError.invalidFields('NS_INSTANCE.INVALID_PARAMS', problems);
    },
  };
  return out;
}
