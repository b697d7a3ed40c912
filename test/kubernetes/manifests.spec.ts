import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { planInstantiation } from '../../src/lcm/planner';
import type { DesiredCompute } from '../../vim-adapters/contract/src';
import {
  computeManifests,
  DEFAULT_MAPPING,
  generatedSecretManifest,
  KubernetesMapping,
  namespaceManifests,
  networkManifests,
  volumeManifests,
} from '../../vim-adapters/kubernetes/src/manifests';
import { imageFor } from '../../vim-adapters/kubernetes/src/kubernetes.adapter';
import { kubernetesValidator } from '../utils/kubernetes-schema';
import { DESCRIPTORS, MULTIVDU } from '../utils/lcm';

type Obj = Record<string, unknown>;

/** What the engine would ask a Kubernetes VIM for, for an NSD and its VNFDs. */
function planFor(vnfdFiles: string[], nsdFile: string, params: Obj = {}) {
  const vnfds = new Map(
    vnfdFiles.map((f) => {
      const doc = parse(readFileSync(f, 'utf8')) as { vnfd: Obj };
      return [String(doc.vnfd.id), doc.vnfd];
    }),
  );
  const nsd = (parse(readFileSync(nsdFile, 'utf8')) as { nsd: { nsd: Obj[] } }).nsd.nsd[0];
  const members = ((nsd.df as Obj[])[0]['vnf-profile'] as Obj[]).map((p) => String(p.id));
  return planInstantiation({
    nsId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
    nsd,
    vnfds,
    params: { nsName: 'k8s', nsdId: String(nsd.id), vimAccountId: 'k8s-vim', ...params },
    vnfrIds: new Map(members.map((m) => [m, `vnfr-${m}`])),
    opId: 'op-1',
    userData: new Map(members.map((m) => [`${m}/web`, '#cloud-config\nhostname: web\n'])),
  });
}

const plan0 = (pkg: string) =>
  planFor([join(DESCRIPTORS, `${pkg}_vnf`, `${pkg}_vnfd.yaml`)], join(DESCRIPTORS, `${pkg}_ns`, `${pkg}_nsd.yaml`));

function allObjects(plan: ReturnType<typeof planInstantiation>, m: KubernetesMapping): Obj[] {
  return [
    ...namespaceManifests(plan.computes[0].desired.ref, m),
    ...plan.networks.flatMap((n) => networkManifests(n.desired, m)),
    ...plan.volumes.flatMap((v) => volumeManifests(v.desired, m)),
    ...plan.computes.flatMap((c) => computeManifests(c.desired, m, 'docker.io/library/nginx:1.27-alpine')),
  ];
}

describe('Kubernetes objects generated for our packages are valid against the Kubernetes 1.32 API schema', () => {
  const validate = kubernetesValidator();
  const richMapping: KubernetesMapping = {
    storageClass: 'ceph-rbd',
    managementServiceType: 'LoadBalancer',
    loadBalancerAnnotations: { 'metallb.universe.tf/address-pool': 'public' },
    gpuResource: 'amd.com/gpu',
    gpuNodeSelector: { 'node-role.kubernetes.io/gpu': 'true' },
    zoneSelectors: { 'edge-1': { 'node-role.kubernetes.io/edge': 'true' } },
    ingressController: { namespace: 'ingress-nginx' },
    ingressClasses: { intranet: 'nginx-intranet', public: 'nginx-public' },
    certManagerIssuer: { name: 'letsencrypt', kind: 'ClusterIssuer' },
    externalDnsDomain: 'apps.example.com',
  };

  it('refuses a broken object (the validator is not vacuous)', () => {
    expect(
      validate({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'two' } }),
    ).not.toEqual([]);
    expect(validate({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', colour: 'red' } })[0]).toContain(
      'must NOT have additional properties {"additionalProperty":"colour"}',
    );
    expect(
      validate({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'x' },
        spec: { ports: [{ port: 80, targetPort: 'http' }] },
      }),
    ).toEqual([]);
  });

  it.each([
    [
      'the example web server',
      [join(DESCRIPTORS, 'webserver_vnf', 'webserver_vnfd.yaml')],
      join(DESCRIPTORS, 'webserver_ns', 'webserver_nsd.yaml'),
    ],
    [
      'hackfest_multivdu (internal VL, volumes, fixed IPs)',
      [join(MULTIVDU, 'hackfest_multivdu_vnf', 'hackfest_multivdu_vnfd.yaml')],
      join(MULTIVDU, 'hackfest_multivdu_ns', 'hackfest_multivdu_nsd.yaml'),
    ],
  ])('%s', (_name, vnfds, nsd) => {
    const plan = planFor(vnfds, nsd);
    for (const mapping of [DEFAULT_MAPPING, richMapping]) {
      const objects = allObjects(plan, mapping);
      const problems = objects.flatMap(validate);
      expect(problems).toEqual([]);
      // every object is labelled with its NS (and its VNF/VDU where it has one)
      for (const o of objects)
        expect((o.metadata as Obj).labels).toMatchObject({ 'mano.io/ns-instance': '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' });
    }
  });

  it.each(['registry', 'object_detection', 'code_grader', 'crypto_service'])(
    'the SME package %s: every object valid, images pinned and overridable, credentials only by reference',
    (pkg) => {
      const params = {
        additionalParamsForVnf: [{ 'member-vnf-index': '1', additionalParams: { image_registry: 'reg.example.com:5000' } }],
      };
      for (const p of [{}, params]) {
        const plan = planFor(
          [join(DESCRIPTORS, `${pkg}_vnf`, `${pkg}_vnfd.yaml`)],
          join(DESCRIPTORS, `${pkg}_ns`, `${pkg}_nsd.yaml`),
          p,
        );
        for (const mapping of [DEFAULT_MAPPING, richMapping]) {
          const objects = [
            ...namespaceManifests(plan.computes[0].desired.ref, mapping),
            ...plan.networks.flatMap((n) => networkManifests(n.desired, mapping)),
            ...plan.volumes.flatMap((v) => volumeManifests(v.desired, mapping)),
            ...plan.computes.flatMap((c) => [
              ...computeManifests(c.desired, mapping, imageFor(c.desired)),
              ...(c.desired.generatedSecret
                ? [
                    generatedSecretManifest(
                      c.desired,
                      mapping,
                      Object.fromEntries(c.desired.generatedSecret.keys.map((k) => [k, 'x'])),
                    ),
                  ]
                : []),
            ]),
          ];
          expect(objects.flatMap(validate)).toEqual([]);
          const images = plan.computes.map((c) => imageFor(c.desired));
          for (const image of images) {
            expect(image).toMatch(/:[0-9][\w.-]*$/); // pinned by tag
            expect(image.startsWith(p === params ? 'reg.example.com:5000/' : 'docker.io/')).toBe(true);
          }
          // no credential value in anything the engine plans (the Secret's values are drawn by the adapter)
          expect(JSON.stringify(plan)).not.toMatch(/PASSWORD":"[^{]/);
        }
      }
      const kinds = (m: KubernetesMapping) =>
        plan0(pkg).computes.flatMap((c) => computeManifests(c.desired, m, imageFor(c.desired)).map((o) => String(o.kind)));
      const expected: Record<string, string[]> = {
        registry: ['StatefulSet', 'Service', 'Ingress'],
        object_detection: ['Deployment', 'Service', 'Ingress', 'HorizontalPodAutoscaler'],
        code_grader: ['ServiceAccount', 'Role', 'RoleBinding', 'StatefulSet', 'Service', 'Ingress', 'NetworkPolicy'],
        crypto_service: ['Deployment', 'Service', 'Ingress', 'HorizontalPodAutoscaler', 'StatefulSet', 'Service'],
      };
      expect(kinds(DEFAULT_MAPPING).filter((k) => k !== 'ConfigMap')).toEqual(expected[pkg]);
    },
  );

  it('maps a VDU to the documented objects', () => {
    const plan = planFor(
      [join(DESCRIPTORS, 'webserver_vnf', 'webserver_vnfd.yaml')],
      join(DESCRIPTORS, 'webserver_ns', 'webserver_nsd.yaml'),
    );
    const gpu: DesiredCompute = {
      ...plan.computes[0].desired,
      flavor: { ...plan.computes[0].desired.flavor, gpu: 1 },
      placement: { zone: 'edge-1' },
    };
    const objects = computeManifests(gpu, richMapping, 'docker.io/library/nginx:1.27-alpine');
    expect(objects.map((o) => o.kind)).toEqual(['ConfigMap', 'Deployment', 'Service', 'Ingress']);
    const deployment = objects[1] as {
      metadata: Obj;
      spec: { template: { metadata: { labels: Obj }; spec: Obj & { containers: Obj[] } } };
    };
    expect(deployment.metadata).toMatchObject({ namespace: 'mano-0f1e2d3c', name: 'mano-0f1e2d3c-1-web-0' });
    expect(deployment.spec.template.spec.containers[0]).toMatchObject({
      image: 'docker.io/library/nginx:1.27-alpine',
      resources: { requests: { cpu: '1000m', memory: '512Mi' }, limits: { 'amd.com/gpu': '1' } },
      volumeMounts: [{ name: 'day0', mountPath: '/etc/mano/day0', readOnly: true }],
    });
    expect(deployment.spec.template.spec.nodeSelector).toEqual({
      'node-role.kubernetes.io/edge': 'true',
      'node-role.kubernetes.io/gpu': 'true',
    });
    expect(deployment.spec.template.metadata.labels).toMatchObject({
      'vl.mano.io/mano-0f1e2d3c-mgmtnet': 'true',
      'mano.io/vdu': 'web',
    });
    expect(objects[2]).toMatchObject({
      spec: { type: 'LoadBalancer' },
      metadata: { annotations: { 'metallb.universe.tf/address-pool': 'public' } },
    });
    expect(validate(objects[1])).toEqual([]);
  });

  it('maps the vdu kubernetes extension: ports, Ingress with class/TLS/cert-manager/external-dns, probes, GPU vendor, RBAC, HPA', () => {
    const plan = planFor(
      [join(DESCRIPTORS, 'webserver_vnf', 'webserver_vnfd.yaml')],
      join(DESCRIPTORS, 'webserver_ns', 'webserver_nsd.yaml'),
    );
    const base = plan.computes[0].desired;
    const rich: DesiredCompute = {
      ...base,
      flavor: { ...base.flavor, gpu: 2, gpuVendor: 'nvidia' },
      ports: [
        {
          ...base.ports[0],
          service: { port: 443, targetPort: 8443, expose: 'LoadBalancer', http: { host: 'shop', tls: true, public: true } },
        },
        {
          name: 'metrics',
          network: base.ports[0].network,
          service: { port: 9100, http: { host: 'metrics.intra.example.com', path: '/metrics' } },
        },
      ],
      probes: {
        readiness: { httpGet: { path: '/healthz', port: 8443 }, periodSeconds: 5 },
        liveness: { tcpSocket: { port: 8443 } },
      },
      apiAccess: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'watch'] }],
      autoscaling: { minReplicas: 1, maxReplicas: 4, cpuUtilization: 70 },
    };
    const objects = computeManifests(rich, richMapping, 'registry.example.com/shop:1');
    expect(objects.flatMap(validate)).toEqual([]);
    const byKind = (kind: string, n = 0) => objects.filter((o) => o.kind === kind)[n] as Obj & { spec: Obj; metadata: Obj };
    expect(objects.map((o) => o.kind)).toEqual([
      'ConfigMap',
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'Deployment',
      'Service',
      'Ingress',
      'Ingress',
      'HorizontalPodAutoscaler',
    ]);
    expect(byKind('Deployment').spec.replicas).toBeUndefined(); // the HPA's to set
    const pod = (byKind('Deployment').spec.template as { spec: Obj & { containers: Obj[] } }).spec;
    expect(pod.serviceAccountName).toBe('mano-0f1e2d3c-1-web-0');
    expect(pod.containers[0]).toMatchObject({
      ports: [
        { name: 'web-eth0-int', containerPort: 8443, protocol: 'TCP' },
        { name: 'metrics', containerPort: 9100, protocol: 'TCP' },
      ],
      readinessProbe: { httpGet: { path: '/healthz', port: 8443 }, periodSeconds: 5 },
      livenessProbe: { tcpSocket: { port: 8443 } },
      resources: { limits: { 'nvidia.com/gpu': '2' } },
    });
    expect(byKind('Service').spec).toMatchObject({
      type: 'LoadBalancer',
      ports: [
        { name: 'web-eth0-int', port: 443, targetPort: 8443 },
        { name: 'metrics', port: 9100, targetPort: 9100 },
      ],
    });
    expect(byKind('Ingress', 0)).toMatchObject({
      metadata: {
        name: 'mano-0f1e2d3c-1-web-0-intranet',
        annotations: { 'external-dns.alpha.kubernetes.io/hostname': 'metrics.intra.example.com' },
      },
      spec: {
        ingressClassName: 'nginx-intranet',
        rules: [{ host: 'metrics.intra.example.com', http: { paths: [{ path: '/metrics' }] } }],
      },
    });
    expect(byKind('Ingress', 1)).toMatchObject({
      metadata: {
        annotations: {
          'external-dns.alpha.kubernetes.io/hostname': 'shop.apps.example.com',
          'cert-manager.io/cluster-issuer': 'letsencrypt',
        },
      },
      spec: {
        ingressClassName: 'nginx-public',
        tls: [{ hosts: ['shop.apps.example.com'], secretName: 'mano-0f1e2d3c-1-web-0-tls' }],
        rules: [
          {
            host: 'shop.apps.example.com',
            http: {
              paths: [{ path: '/', backend: { service: { name: 'mano-0f1e2d3c-1-web-0', port: { name: 'web-eth0-int' } } } }],
            },
          },
        ],
      },
    });
    expect(byKind('HorizontalPodAutoscaler').spec).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'mano-0f1e2d3c-1-web-0' },
      maxReplicas: 4,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
    expect(byKind('RoleBinding')).toMatchObject({
      subjects: [{ kind: 'ServiceAccount', name: 'mano-0f1e2d3c-1-web-0', namespace: 'mano-0f1e2d3c' }],
    });
  });

  it('maps a SOL006 automatic scaling policy on CPU utilisation to a HorizontalPodAutoscaler', () => {
    const vnfdFile = join(DESCRIPTORS, 'webserver_vnf', 'webserver_vnfd.yaml');
    const doc = parse(readFileSync(vnfdFile, 'utf8')) as {
      vnfd: Obj & { vdu: Obj[]; df: (Obj & { 'scaling-aspect': Obj[] })[] };
    };
    doc.vnfd.vdu[0]['monitoring-parameter'] = [{ id: 'web-cpu', 'performance-metric': 'cpu_utilization' }];
    doc.vnfd.df[0]['scaling-aspect'][0]['scaling-policy'] = [
      {
        name: 'cpu-above-60',
        'scaling-type': 'automatic',
        'scaling-criteria': [
          {
            name: 'cpu',
            'vnf-monitoring-param-ref': 'web-cpu',
            'scale-out-threshold': 60,
            'scale-out-relational-operation': 'GT',
          },
        ],
      },
    ];
    const nsd = parse(readFileSync(join(DESCRIPTORS, 'webserver_ns', 'webserver_nsd.yaml'), 'utf8')) as { nsd: { nsd: Obj[] } };
    const plan = planInstantiation({
      nsId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
      nsd: nsd.nsd.nsd[0],
      vnfds: new Map([['webserver_vnf', doc.vnfd]]),
      params: { nsName: 'x', nsdId: 'x', vimAccountId: 'v' },
      vnfrIds: new Map([['1', 'vnfr-1']]),
      opId: 'op',
    });
    expect(plan.computes[0].desired.autoscaling).toEqual({ minReplicas: 1, maxReplicas: 3, cpuUtilization: 60 });
    const hpa = computeManifests(plan.computes[0].desired, DEFAULT_MAPPING, 'nginx').find(
      (o) => o.kind === 'HorizontalPodAutoscaler',
    );
    expect(hpa).toMatchObject({
      spec: { minReplicas: 1, maxReplicas: 3, metrics: [{ resource: { name: 'cpu', target: { averageUtilization: 60 } } }] },
    });
    expect(validate(hpa!)).toEqual([]);
  });

  it('every SOL006 NSD of ../shared/corpus whose VNFDs are there maps to schema-valid objects (both mappings)', () => {
    const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'corpus');
    const files = (function walk(dir: string): string[] {
      return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
      );
    })(CORPUS);
    const vnfds = new Map<string, Obj>();
    const nsds: Obj[] = [];
    for (const f of files) {
      let doc: unknown;
      try {
        doc = parse(readFileSync(f, 'utf8'));
      } catch {
        continue; // not every YAML file of the corpus is a descriptor
      }
      const d = doc as { vnfd?: Obj; nsd?: { nsd?: Obj[] } } | null;
      if (d?.vnfd && typeof d.vnfd === 'object' && !Array.isArray(d.vnfd) && d.vnfd.id !== undefined)
        vnfds.set(String(d.vnfd.id), d.vnfd);
      for (const n of Array.isArray(d?.nsd?.nsd) ? d.nsd.nsd : []) nsds.push(n);
    }
    let mapped = 0;
    for (const nsd of nsds) {
      const ids = (nsd['vnfd-id'] as unknown[] | undefined)?.map(String) ?? [];
      const profiles = ((nsd.df as Obj[] | undefined)?.[0]?.['vnf-profile'] as Obj[] | undefined) ?? [];
      if (!ids.length || !profiles.length || !ids.every((id) => vnfds.has(id))) continue;
      const plan = planInstantiation({
        nsId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
        nsd,
        vnfds,
        params: { nsName: 'corpus', nsdId: String(nsd.id), vimAccountId: 'k8s-vim' },
        vnfrIds: new Map(profiles.map((p) => [String(p.id), `vnfr-${String(p.id)}`])),
        opId: 'op-1',
      });
      if (!plan.computes.length) continue; // KNFs: their KDUs are Helm charts here
      // Kubernetes cannot honour fixed IPs (the adapter refuses them): the rest of each compute is still mapped
      for (const c of plan.computes) c.desired.ports = c.desired.ports.map((p) => ({ ...p, fixedIp: undefined }));
      for (const mapping of [DEFAULT_MAPPING, richMapping])
        expect({ nsd: nsd.id, problems: allObjects(plan, mapping).flatMap(validate) }).toEqual({ nsd: nsd.id, problems: [] });
      mapped++;
    }
    expect(mapped).toBeGreaterThanOrEqual(17);
  });
});
