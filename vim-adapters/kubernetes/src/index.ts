import {
  configInvalid,
  CONTRACT_VERSION,
  DesiredKdu,
  DesiredResource,
  isObj,
  remoteText,
  str,
  VimAccount,
  VimAdapterFactory,
} from '../../contract/src';
import { checkKduObjects, parseKduPolicy } from './kdu-policy';
import { parseKubeconfig } from './kubeconfig';
import { KubernetesAdapter, KubernetesAdapterOptions } from './kubernetes.adapter';
import { renderHelmKdu } from './helm/render';
import { guardKubeConfig, mapUrlRefusals } from './url-guard';
import { dnsLabel, KubernetesMapping, namespaceOf } from './manifests';

export interface KubernetesConfig {
  kubeconfig: Record<string, unknown>;
  options: KubernetesAdapterOptions;
}

export { parseKubeconfig };

function stringMap(v: unknown, path: string): Record<string, string> {
  if (v === undefined) return {};
  if (!isObj(v) || Object.values(v).some((x) => typeof x !== 'string')) throw configInvalid(path, 'must be a map of strings');
  return v as Record<string, string>;
}

function parseAccount(account: VimAccount): KubernetesConfig {
  const c = account.config ?? {};
  const kubeconfig = parseKubeconfig(c.kubeconfig, 'config.kubeconfig');
  const serviceType = str(c.management_service_type) ?? 'ClusterIP';
  if (!['ClusterIP', 'NodePort', 'LoadBalancer'].includes(serviceType))
    throw configInvalid('config.management_service_type', 'must be ClusterIP, NodePort or LoadBalancer');
  const gpu = str(c.gpu_resource) ?? 'nvidia.com/gpu';
  if (gpu !== 'nvidia.com/gpu' && gpu !== 'amd.com/gpu')
    throw configInvalid('config.gpu_resource', 'must be nvidia.com/gpu or amd.com/gpu');
  const zoneSelectors: Record<string, Record<string, string>> = {};
  for (const [zone, selector] of Object.entries(isObj(c.zone_selectors) ? c.zone_selectors : {}))
    zoneSelectors[zone] = stringMap(selector, `config.zone_selectors.${zone}`);
  if (c.zone_selectors !== undefined && !isObj(c.zone_selectors))
    throw configInvalid('config.zone_selectors', 'must be a map of zone → node labels');
  const namespace = str(c.namespace);
  if (namespace !== undefined && dnsLabel(namespace) !== namespace)
    throw configInvalid('config.namespace', 'must be a DNS-1123 label');
  const readiness = str(c.readiness) ?? 'pods';
  if (readiness !== 'pods' && readiness !== 'accepted')
    throw configInvalid('config.readiness', "must be 'pods' (ready pods) or 'accepted' (stored by the API server)");
  const classes = stringMap(c.ingress_classes, 'config.ingress_classes');
  for (const k of Object.keys(classes))
    if (k !== 'intranet' && k !== 'public')
      throw configInvalid(`config.ingress_classes.${k}`, 'only intranet and public are known');
  const issuer = c.cert_manager_issuer;
  const issuerName = typeof issuer === 'string' ? issuer : isObj(issuer) ? str(issuer.name) : undefined;
  const issuerKind = isObj(issuer) ? (str(issuer.kind) ?? 'ClusterIssuer') : 'ClusterIssuer';
  if (issuer !== undefined && (!issuerName || !['ClusterIssuer', 'Issuer'].includes(issuerKind)))
    throw configInvalid('config.cert_manager_issuer', 'must be a ClusterIssuer name, or {name, kind: ClusterIssuer|Issuer}');
  const timeout = c.readiness_timeout_s === undefined ? 300 : Number(c.readiness_timeout_s);
  if (!Number.isFinite(timeout) || timeout <= 0) throw configInvalid('config.readiness_timeout_s', 'must be a positive number');
  return {
    kubeconfig,
    options: {
      mapping: {
        storageClass: str(c.storage_class),
        managementServiceType: serviceType as KubernetesMapping['managementServiceType'],
        loadBalancerAnnotations: stringMap(c.load_balancer_annotations, 'config.load_balancer_annotations'),
        gpuResource: gpu,
        gpuNodeSelector:
          c.gpu_node_selector === undefined ? undefined : stringMap(c.gpu_node_selector, 'config.gpu_node_selector'),
        zoneSelectors,
        ingressController: str(c.ingress_controller_namespace) ? { namespace: str(c.ingress_controller_namespace)! } : undefined,
        namespace,
        ingressClasses: classes,
        certManagerIssuer: issuerName ? { name: issuerName, kind: issuerKind as 'ClusterIssuer' | 'Issuer' } : undefined,
        externalDnsDomain: str(c.external_dns_domain),
      },
      kduPolicy: parseKduPolicy(c),
      readiness,
      readinessTimeoutMs: timeout * 1000,
      execOutputLimit: Number(c.exec_output_limit ?? 64 * 1024),
    },
  };
}

/** Kubernetes as a VIM (see README.md beside this folder). */
export const kubernetesFactory: VimAdapterFactory<KubernetesConfig> = {
  specVersion: CONTRACT_VERSION,
  vimType: 'kubernetes',
  parseAccount,
  // a KDU's objects against the account's policy, at instantiate: before anything is made anywhere
  checkDesired: (config: KubernetesConfig, desired: DesiredResource) =>
    desired.ref.kind === 'kdu'
      ? checkKduObjects((desired as DesiredKdu).objects, config.options.kduPolicy).map((p) => ({
          path: `${p.object.replace(' ', '/')}.${p.field}`,
          message: p.message,
        }))
      : [],
  // a Helm KDU rendered by helm 3 into the objects applied as a manifest KDU's (src/helm/render.ts)
  renderKdu: (config: KubernetesConfig, desired: DesiredKdu) =>
    renderHelmKdu(desired, namespaceOf(desired.ref, config.options.mapping)),
  connect: async (config) => {
    // loaded on first use: the client is large (tens of MB), and many installations never use Kubernetes
    const k8s = await import('@kubernetes/client-node');
    const kc = guardKubeConfig(new k8s.KubeConfig());
    kc.loadFromString(JSON.stringify(config.kubeconfig));
    const server = kc.getCurrentCluster()?.server ?? '(no server)';
    return mapUrlRefusals(new KubernetesAdapter(kc, k8s, config.options), `Kubernetes API at ${remoteText(server)}`);
  },
};
