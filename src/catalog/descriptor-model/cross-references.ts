import { FieldProblem } from '../../common/errors/domain-error';
import { Descriptor } from './validation';
import { Obj, list, str } from '../../common/values';

/** What the package holds, and what is already onboarded, for the checks that look outside the descriptor. */
export interface ReferenceContext {
  /** Files of the package, relative to its folder (empty for a bare descriptor). */
  files: Set<string>;
  /** Whether the upload was a package (file references can only be checked then). */
  isPackage: boolean;
  /** Onboarded VNFDs visible to the caller, by descriptor id. */
  vnfd(id: string): Descriptor | undefined;
  /** Onboarded NSDs visible to the caller, by descriptor id. */
  nsd(id: string): Descriptor | undefined;
}

const ids = (v: unknown, key = 'id'): string[] =>
  list(v)
    .map((x) => str(x[key]))
    .filter((x): x is string => x !== undefined);

class Checker {
  readonly problems: FieldProblem[] = [];
  constructor(private readonly root: string) {}

  unique(items: unknown, path: string, key = 'id'): void {
    const seen = new Set<string>();
    list(items).forEach((item, i) => {
      const id = str(item[key]);
      if (id === undefined) return;
      if (seen.has(id)) this.problems.push({ path: `${this.root}${path}[${i}].${key}`, message: `'${id}' is used twice` });
      seen.add(id);
    });
  }

  ref(value: unknown, allowed: Iterable<string>, path: string, what: string): void {
    const v = str(value);
    if (v === undefined) return;
    const set = new Set(allowed);
    if (!set.has(v))
      this.problems.push({
        path: `${this.root}${path}`,
        message: `'${v}' is not ${what}${set.size ? ` (known: ${[...set].slice(0, 10).join(', ')})` : ' (none defined)'}`,
      });
  }

  add(path: string, message: string): void {
    this.problems.push({ path: `${this.root}${path}`, message });
  }
}

/** OSM's onboarding checks for a VNFD (descriptors.md §3): every reference resolves, ids are unique. */
export function vnfdProblems(d: Descriptor, ctx: ReferenceContext): FieldProblem[] {
  const c = new Checker('vnfd');
  const vdus = ids(d.vdu);
  const kdus = ids(d.kdu, 'name');
  const computes = ids(d['virtual-compute-desc']);
  const storages = ids(d['virtual-storage-desc']);
  const images = ids(d['sw-image-desc']);
  const intVls = ids(d['int-virtual-link-desc']);
  const extCpds = ids(d['ext-cpd']);
  const k8sNets = ids((d['k8s-cluster'] as Obj | undefined)?.nets);
  for (const key of [
    'vdu',
    'virtual-compute-desc',
    'virtual-storage-desc',
    'sw-image-desc',
    'int-virtual-link-desc',
    'ext-cpd',
    'df',
  ])
    c.unique(d[key], `.${key}`);
  c.unique(d.kdu, '.kdu', 'name');

  list(d.vdu).forEach((vdu, i) => {
    const p = `.vdu[${i}]`;
    c.ref(vdu['virtual-compute-desc'], computes, `${p}.virtual-compute-desc`, 'a virtual-compute-desc id');
    (Array.isArray(vdu['virtual-storage-desc']) ? vdu['virtual-storage-desc'] : []).forEach((s, j) =>
      c.ref(s, storages, `${p}.virtual-storage-desc[${j}]`, 'a virtual-storage-desc id'),
    );
    c.ref(vdu['sw-image-desc'], images, `${p}.sw-image-desc`, 'a sw-image-desc id');
    (Array.isArray(vdu['alternative-sw-image-desc']) ? vdu['alternative-sw-image-desc'] : []).forEach((s, j) =>
      c.ref(s, images, `${p}.alternative-sw-image-desc[${j}]`, 'a sw-image-desc id'),
    );
    c.unique(vdu['int-cpd'], `${p}.int-cpd`);
    list(vdu['int-cpd']).forEach((cpd, j) =>
      c.ref(cpd['int-virtual-link-desc'], intVls, `${p}.int-cpd[${j}].int-virtual-link-desc`, 'an int-virtual-link-desc id'),
    );
    const cpds = new Set(list(vdu['int-cpd']).map((cpd) => String(cpd.id)));
    list((vdu.kubernetes as Obj | undefined)?.ports).forEach((port, j) =>
      c.ref(port.cpd, cpds, `${p}.kubernetes.ports[${j}].cpd`, 'an int-cpd id of this VDU'),
    );
    // an env entry is a value or a key of the generated Secret some VDU of this VNF makes (exactly one of them)
    const secretKeys = list(d.vdu).flatMap((v) => {
      const keys = (((v.kubernetes as Obj | undefined)?.['generated-secret'] as Obj | undefined)?.keys as unknown[]) ?? [];
      return keys.map(String);
    });
    list((vdu.kubernetes as Obj | undefined)?.env).forEach((e, j) => {
      if ((e.value === undefined) === (e['secret-key'] === undefined))
        c.add(`${p}.kubernetes.env[${j}]`, 'needs exactly one of value and secret-key');
      else if (e['secret-key'] !== undefined)
        c.ref(e['secret-key'], secretKeys, `${p}.kubernetes.env[${j}].secret-key`, 'a key of a generated-secret of this VNFD');
    });
    const cloudInit = str(vdu['cloud-init-file']);
    if (cloudInit !== undefined && ctx.isPackage && !ctx.files.has(`cloud_init/${cloudInit}`)) {
      c.add(`${p}.cloud-init-file`, `'${cloudInit}' is not in the package (expected cloud_init/${cloudInit})`);
    }
  });

  const secretMakers = list(d.vdu).filter((v) => (v.kubernetes as Obj | undefined)?.['generated-secret'] !== undefined);
  if (secretMakers.length > 1)
    c.add('.vdu', `one VDU may make the VNF's generated-secret (${secretMakers.map((v) => String(v.id)).join(', ')} do)`);

  list(d.kdu).forEach((kdu, i) => {
    const file = str(kdu['manifest-file']);
    if (file !== undefined && ctx.isPackage && !ctx.files.has(`manifests/${file}`))
      c.add(`.kdu[${i}].manifest-file`, `'${file}' is not in the package (expected manifests/${file})`);
  });

  list(d['ext-cpd']).forEach((cpd, i) => {
    const p = `.ext-cpd[${i}]`;
    const inner = cpd['int-cpd'] as Obj | undefined;
    if (inner) {
      c.ref(inner['vdu-id'], vdus, `${p}.int-cpd.vdu-id`, 'a vdu id');
      const vdu = list(d.vdu).find((v) => str(v.id) === str(inner['vdu-id']));
      if (vdu) c.ref(inner.cpd, ids(vdu['int-cpd']), `${p}.int-cpd.cpd`, `an int-cpd of vdu '${str(inner['vdu-id'])}'`);
    }
    c.ref(cpd['int-virtual-link-desc'], intVls, `${p}.int-virtual-link-desc`, 'an int-virtual-link-desc id');
    c.ref(cpd['k8s-cluster-net'], k8sNets, `${p}.k8s-cluster-net`, 'a k8s-cluster net id');
  });
  c.ref(d['mgmt-cp'], extCpds, '.mgmt-cp', 'an ext-cpd id');

  list(d.df).forEach((df, i) => {
    const p = `.df[${i}]`;
    // as OSM: scaling deltas name VDUs of the instantiation levels; vdu-profile ids are not checked at onboarding
    const levelVdus = list(df['instantiation-level']).flatMap((lvl) =>
      list(lvl['vdu-level']).map((vl) => str(vl['vdu-id']) ?? ''),
    );
    const levels = ids(df['instantiation-level']);
    c.ref(df['default-instantiation-level'], levels, `${p}.default-instantiation-level`, 'an instantiation-level id');
    list(df['virtual-link-profile']).forEach((vlp, j) =>
      c.ref(vlp.id, intVls, `${p}.virtual-link-profile[${j}].id`, 'an int-virtual-link-desc id'),
    );
    list(df['scaling-aspect']).forEach((aspect, j) => {
      const ap = `${p}.scaling-aspect[${j}]`;
      list((aspect['aspect-delta-details'] as Obj | undefined)?.deltas).forEach((delta, k) =>
        list(delta['vdu-delta']).forEach((vd, m) =>
          c.ref(
            vd.id,
            levelVdus.length ? levelVdus : vdus,
            `${ap}.aspect-delta-details.deltas[${k}].vdu-delta[${m}].id`,
            'a vdu of the instantiation levels',
          ),
        ),
      );
      list(aspect['scaling-policy']).forEach((policy, k) =>
        list(policy['scaling-criteria']).forEach((crit, m) => {
          const metric = str(crit['vnf-monitoring-param-ref']);
          const known = [
            ...list(d.vdu).flatMap((v) => ids(v['monitoring-parameter'])),
            ...list(d.df).flatMap((x) => ids(x['monitoring-parameter'])),
            ...list(d['int-virtual-link-desc']).flatMap((v) => ids(v['monitoring-parameters'])),
          ];
          c.ref(
            metric,
            known,
            `${ap}.scaling-policy[${k}].scaling-criteria[${m}].vnf-monitoring-param-ref`,
            'a monitoring-parameter id',
          );
        }),
      );
    });
    list(df['healing-aspect']).forEach((aspect, j) =>
      list(aspect['healing-policy']).forEach((policy, k) =>
        c.ref(policy['vdu-id'], vdus, `${p}.healing-aspect[${j}].healing-policy[${k}].vdu-id`, 'a vdu id'),
      ),
    );
    const opConfig =
      ((df['lcm-operations-configuration'] as Obj | undefined)?.['operate-vnf-op-config'] as Obj | undefined) ?? {};
    list(opConfig['day1-2']).forEach((cfg, j) => {
      const cp = `${p}.lcm-operations-configuration.operate-vnf-op-config.day1-2[${j}]`;
      c.ref(cfg.id, [str(d.id) ?? '', ...vdus, ...kdus], `${cp}.id`, 'the VNFD id, a vdu id or a kdu name');
      const envs = ids(cfg['execution-environment-list']);
      list(cfg['execution-environment-list']).forEach((ee, k) => {
        const script = str((ee.script as Obj | undefined)?.file);
        if (script !== undefined && (script.includes('/') || (ctx.isPackage && !ctx.files.has(`scripts/${script}`))))
          c.add(
            `${cp}.execution-environment-list[${k}].script.file`,
            `script '${script}' is not in the package's scripts/ folder`,
          );
        const charm = str((ee.juju as Obj | undefined)?.charm);
        if (
          charm &&
          ctx.isPackage &&
          !ctx.files.has(`charms/${charm}`) &&
          ![...ctx.files].some((f) => f.startsWith(`charms/${charm}/`))
        ) {
          c.add(
            `${cp}.execution-environment-list[${k}].juju.charm`,
            `charm '${charm}' is not in the package (expected charms/${charm}/ or charms/${charm}.charm)`,
          );
        }
      });
      for (const key of ['initial-config-primitive', 'config-primitive', 'terminate-config-primitive']) {
        list(cfg[key]).forEach((prim, k) =>
          c.ref(
            prim['execution-environment-ref'],
            envs,
            `${cp}.${key}[${k}].execution-environment-ref`,
            'an execution-environment-list id',
          ),
        );
      }
    });
  });
  return c.problems;
}

/** OSM's NSD checks: VNFDs onboarded, profiles consistent, connection points are ext-cpds of their VNFD. */
export function nsdProblems(d: Descriptor, ctx: ReferenceContext): FieldProblem[] {
  const c = new Checker('nsd');
  const vnfdIds = (Array.isArray(d['vnfd-id']) ? d['vnfd-id'] : []).map(String);
  vnfdIds.forEach((id, i) => {
    if (!ctx.vnfd(id)) c.add(`.vnfd-id[${i}]`, `VNFD '${id}' is not onboarded in this project`);
  });
  const vlds = ids(d['virtual-link-desc']);
  for (const key of ['virtual-link-desc', 'df', 'sapd']) c.unique(d[key], `.${key}`);
  list(d.sapd).forEach((sap, i) =>
    c.ref(sap['virtual-link-desc'], vlds, `.sapd[${i}].virtual-link-desc`, 'a virtual-link-desc id'),
  );
  list(d.df).forEach((df, i) => {
    const p = `.df[${i}]`;
    c.unique(df['vnf-profile'], `${p}.vnf-profile`);
    const vlProfiles = ids(df['virtual-link-profile']);
    list(df['virtual-link-profile']).forEach((vlp, j) =>
      c.ref(vlp['virtual-link-desc-id'], vlds, `${p}.virtual-link-profile[${j}].virtual-link-desc-id`, 'a virtual-link-desc id'),
    );
    const profiles = list(df['vnf-profile']);
    profiles.forEach((vp, j) => {
      const vpp = `${p}.vnf-profile[${j}]`;
      c.ref(vp['vnfd-id'], vnfdIds, `${vpp}.vnfd-id`, 'listed in vnfd-id');
      list(vp['virtual-link-connectivity']).forEach((vlc, k) => {
        c.ref(
          vlc['virtual-link-profile-id'],
          [...vlProfiles, ...vlds],
          `${vpp}.virtual-link-connectivity[${k}].virtual-link-profile-id`,
          'a virtual-link-profile or virtual-link-desc id',
        );
        list(vlc['constituent-cpd-id']).forEach((cc, m) => {
          const cp = `${vpp}.virtual-link-connectivity[${k}].constituent-cpd-id[${m}]`;
          // OSM checks the connection point against the profile's VNFD; base elements naming another profile occur in real packages
          const base = profiles.find((x) => str(x.id) === str(cc['constituent-base-element-id']));
          c.ref(
            cc['constituent-base-element-id'],
            profiles.map((x) => str(x.id) ?? ''),
            `${cp}.constituent-base-element-id`,
            'a vnf-profile id',
          );
          const own = ctx.vnfd(String(vp['vnfd-id']));
          const other = base ? ctx.vnfd(String(base['vnfd-id'])) : undefined;
          if (own)
            c.ref(
              cc['constituent-cpd-id'],
              [...ids(own['ext-cpd']), ...ids(other?.['ext-cpd'])],
              `${cp}.constituent-cpd-id`,
              `an ext-cpd of VNFD '${str(vp['vnfd-id'])}'`,
            );
        });
      });
    });
  });
  return c.problems;
}

/** OSM's NST checks: ids unique, NSDs onboarded (slice VLD references are checked at instantiation, as OSM does). */
export function nstProblems(d: Descriptor, ctx: ReferenceContext): FieldProblem[] {
  const c = new Checker('nst');
  c.unique(d['netslice-subnet'], '.netslice-subnet');
  c.unique(d['netslice-vld'], '.netslice-vld');
  list(d['netslice-subnet']).forEach((s, i) => {
    const ref = str(s['nsd-ref']);
    if (ref !== undefined && !ctx.nsd(ref))
      c.add(`.netslice-subnet[${i}].nsd-ref`, `NSD '${ref}' is not onboarded in this project`);
  });
  return c.problems;
}
