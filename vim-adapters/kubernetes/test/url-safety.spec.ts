import { AdapterContext, VimAccount, VimError } from '../../contract/src';
import { memoryStore } from '../../contract/test/memory-store';
import { kubernetesFactory } from '../src';
import { fakeApiServer, FakeApiServer } from './fake-apiserver';

/** The VIM URL policy (SSRF) on a cluster's API server: at registration, and on every connection the client opens. */
const ctx: AdapterContext = { store: memoryStore(), workDir: '/nonexistent', log: () => undefined };
const account = (kubeconfig: object): VimAccount => ({ id: 'k', name: 'k8s', vimType: 'kubernetes', config: { kubeconfig } });
type Kubeconfig = { clusters: { cluster: { server: string } }[] };
const withServer = (api: FakeApiServer, server: string): Kubeconfig => {
  const kc = structuredClone(api.kubeconfig) as Kubeconfig;
  kc.clusters[0].cluster.server = server;
  return kc;
};
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as VimError,
  );

describe('Kubernetes adapter: the cluster server goes only where VIM URLs may', () => {
  let api: FakeApiServer;
  const saved = process.env.MANO_VIM_URL_DENY;
  beforeAll(async () => {
    api = await fakeApiServer();
  });
  afterAll(() => api.close());
  afterEach(() => {
    if (saved === undefined) delete process.env.MANO_VIM_URL_DENY;
    else process.env.MANO_VIM_URL_DENY = saved;
  });

  it.each([
    ['http://169.254.169.254', /169\.254\.169\.254 is denied by MANO_VIM_URL_DENY \(169\.254\.0\.0\/16\)$/],
    ['https://2852039166:6443', /169\.254\.169\.254 is denied by MANO_VIM_URL_DENY/],
    ['https://metadata.google.internal', /metadata\.google\.internal is denied by MANO_VIM_URL_DENY/],
    ['file:///etc/passwd', /must be an http:\/\/ or https:\/\/ URL, not file:$/],
  ])('refuses server %s at registration, naming the field', (server, reason) => {
    let error: VimError | undefined;
    try {
      kubernetesFactory.parseAccount(account(withServer(api, server)));
    } catch (e) {
      error = e as VimError;
    }
    expect(error).toMatchObject({
      code: 'VIM.CONFIG_INVALID',
      retryable: false,
      path: 'config.kubeconfig.clusters[0].cluster.server',
    });
    expect(error?.message).toMatch(/^config\.kubeconfig\.clusters\[0\]\.cluster\.server: /);
    expect(error?.message).toMatch(reason);
  });

  it('refuses to connect when the server name resolves to a denied address: not retryable, no request sent', async () => {
    const server = api.url.replace('127.0.0.1', 'localhost');
    // allowed by default: the same name reaches the cluster
    const allowed = await kubernetesFactory.connect(kubernetesFactory.parseAccount(account(withServer(api, server))), ctx);
    await expect(allowed.ping()).resolves.toMatchObject({ ok: true });
    api.requests.length = 0;

    process.env.MANO_VIM_URL_DENY = 'default,127.0.0.0/8,::1';
    // the name itself is not denied: registration passes, the connection is refused after DNS
    const adapter = await kubernetesFactory.connect(kubernetesFactory.parseAccount(account(withServer(api, server))), ctx);
    const refused =
      /refused to connect: localhost \((127\.0\.0\.1|::1)\) is denied by MANO_VIM_URL_DENY \((127\.0\.0\.0\/8|::1)\)$/;
    const ping = await failure(adapter.ping());
    expect(ping).toMatchObject({ code: 'VIM.CONFIG_INVALID', retryable: false });
    expect(ping?.message).toMatch(new RegExp(`^Kubernetes API at https://localhost:\\d+: ${refused.source}`));
    // any call, not only the check: REST and pod exec (WebSocket)
    const observe = await failure(adapter.observe({ kind: 'compute', name: 'mano-x-1-web-0', labels: {} }));
    expect(observe).toMatchObject({ code: 'VIM.CONFIG_INVALID', retryable: false, message: expect.stringMatching(refused) });
    const exec = await failure(
      (adapter as unknown as { exec: (r: object, q: object) => Promise<unknown> }).exec(
        { kind: 'compute', name: 'mano-x-1-web-0', labels: {} },
        { command: ['true'] },
      ),
    );
    expect(exec).toMatchObject({ code: 'VIM.CONFIG_INVALID', retryable: false });
    expect(api.requests).toEqual([]);
  });
});
