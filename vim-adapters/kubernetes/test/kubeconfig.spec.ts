import { VimError } from '../../contract/src';
import { parseKubeconfig } from '../src/kubeconfig';

const good = {
  apiVersion: 'v1',
  kind: 'Config',
  preferences: {},
  clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority-data': 'Q0E=' } }],
  users: [{ name: 'u', user: { token: 't' } }],
  contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'telco' } }],
  'current-context': 'x',
};
type Cfg = typeof good & Record<string, unknown>;
const refusal = (edit: (c: Cfg) => void): VimError | undefined => {
  const c = JSON.parse(JSON.stringify(good)) as Cfg;
  edit(c);
  try {
    parseKubeconfig(c, 'config.kubeconfig');
    return undefined;
  } catch (e) {
    return e as VimError;
  }
};

describe('kubeconfig allow-list', () => {
  it('keeps inline credentials only and rebuilds the kubeconfig from the accepted fields', () => {
    const cert = { 'client-certificate-data': 'Y2VydA==', 'client-key-data': 'a2V5' };
    const parsed = parseKubeconfig(
      {
        ...good,
        users: [
          { name: 'u', user: cert },
          { name: 'basic', user: { username: 'a', password: 'b' } },
        ],
      },
      'config.kubeconfig',
    );
    expect(parsed).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: good.clusters,
      users: [
        { name: 'u', user: cert },
        { name: 'basic', user: { username: 'a', password: 'b' } },
      ],
      contexts: good.contexts,
      'current-context': 'x',
    });
    // informational extensions (minikube writes them) are dropped, not refused
    const withExtensions = {
      ...good,
      clusters: [
        {
          ...good.clusters[0],
          cluster: {
            ...good.clusters[0].cluster,
            extensions: [{ name: 'cluster_info', extension: { provider: 'minikube.sigs.k8s.io' } }],
          },
        },
      ],
    };
    expect(parseKubeconfig(withExtensions, 'config.kubeconfig').clusters).toEqual(good.clusters);
    // YAML text too
    expect(parseKubeconfig(JSON.stringify(good), 'config.kubeconfig')).toMatchObject({ users: good.users });
  });

  it.each([
    ['users[0].user.token-file', (c: Cfg) => Object.assign(c.users[0].user, { 'token-file': '/etc/shadow' }), /names a file/],
    ['users[0].user.tokenFile', (c: Cfg) => Object.assign(c.users[0].user, { tokenFile: '/etc/shadow' }), /names a file/],
    ['users[0].user.client-key', (c: Cfg) => Object.assign(c.users[0].user, { 'client-key': '/k' }), /names a file/],
    [
      'users[0].user.client-certificate',
      (c: Cfg) => Object.assign(c.users[0].user, { 'client-certificate': '/c' }),
      /names a file/,
    ],
    [
      'clusters[0].cluster.certificate-authority',
      (c: Cfg) => Object.assign(c.clusters[0].cluster, { 'certificate-authority': '/ca' }),
      /names a file/,
    ],
    ['users[0].user.exec', (c: Cfg) => Object.assign(c.users[0].user, { exec: { command: 'sh' } }), /run a command/],
    [
      'users[0].user.auth-provider',
      (c: Cfg) => Object.assign(c.users[0].user, { 'auth-provider': { name: 'gcp' } }),
      /run a command/,
    ],
    ['users[0].user.as', (c: Cfg) => Object.assign(c.users[0].user, { as: 'system:admin' }), /not an accepted/],
    [
      'clusters[0].cluster.proxy-url',
      (c: Cfg) => Object.assign(c.clusters[0].cluster, { 'proxy-url': 'http://p' }),
      /not an accepted/,
    ],
    [
      'clusters[0].cluster.server',
      (c: Cfg) => Object.assign(c.clusters[0].cluster, { server: 'file:///etc/passwd' }),
      /must be an http:\/\/ or https:\/\/ URL, not file:/,
    ],
    [
      'clusters[0].cluster.insecure-skip-tls-verify',
      (c: Cfg) => Object.assign(c.clusters[0].cluster, { 'insecure-skip-tls-verify': 'yes' }),
      /boolean/,
    ],
    ['users[0].user.token', (c: Cfg) => Object.assign(c.users[0].user, { token: { path: '/x' } }), /must be a string/],
    ['users[0].extra', (c: Cfg) => Object.assign(c.users[0], { extra: 1 }), /not an accepted/],
    ['unknown-top', (c: Cfg) => Object.assign(c, { 'unknown-top': 1 }), /not an accepted/],
    ['contexts', (c: Cfg) => Object.assign(c, { contexts: [] }), /is required/],
  ])('refuses %s, naming it', (field, edit, reason) => {
    const e = refusal(edit);
    expect(e).toMatchObject({ code: 'VIM.CONFIG_INVALID', path: `config.kubeconfig.${field}` });
    expect(e?.message).toMatch(reason);
  });
});
