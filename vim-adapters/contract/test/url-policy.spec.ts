import { createServer, get, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  addressRefusal,
  checkVimUrl,
  deniedCause,
  guardAgent,
  guardedAgents,
  guardedLookup,
  hostRefusal,
  Lookup,
  vimUrlPolicy,
} from '../src/url-policy';
import { remoteText } from '../src/remote-text';

/** A resolver for the tests: no external DNS, names answer what the table says. */
const table =
  (names: Record<string, string[]>): Lookup =>
  (hostname, _options, callback) => {
    const addresses = names[hostname];
    if (!addresses) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '');
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };

const policy = vimUrlPolicy({});

describe('VIM URL policy', () => {
  it('allows only http(s) URLs, naming the field', () => {
    expect(checkVimUrl('https://keystone.example:5000/v3', 'vim_url', policy).hostname).toBe('keystone.example');
    for (const bad of ['file:///etc/passwd', 'gopher://x/', 'ftp://h/', 'javascript:alert(1)', 'ldap://h'])
      expect(() => checkVimUrl(bad, 'vim_url', policy)).toThrow(/^vim_url: must be an http:\/\/ or https:\/\/ URL/);
    expect(() => checkVimUrl('not a url', 'vim_url', policy)).toThrow('vim_url: is not a URL');
  });

  it('denies link-local and metadata addresses by default, in every spelling the URL parser accepts', () => {
    for (const url of [
      'http://169.254.169.254/',
      'http://169.254.1.1:5000/v3',
      'http://2852039166/', // decimal
      'http://0251.0376.0251.0376/', // octal
      'http://0xa9fea9fe/', // hex
      'http://0xa9.254.169.254/',
      'http://[::ffff:169.254.169.254]/', // IPv4-mapped
      'http://[::ffff:a9fe:a9fe]/',
      'http://[64:ff9b::a9fe:a9fe]/', // NAT64
      'http://[fe80::1]/',
      'http://[FE80::abcd:1]:5000/',
      'http://[fd00:ec2::254]/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://METADATA.google.internal./',
    ])
      expect(() => checkVimUrl(url, 'vim_url', policy)).toThrow(/is denied by MANO_VIM_URL_DENY/);
    for (const url of ['http://127.0.0.1:5000/v3', 'http://10.0.0.5/identity/v3', 'http://[::1]:5000/', 'https://keystone/'])
      expect(() => checkVimUrl(url, 'vim_url', policy)).not.toThrow();
  });

  it('names the rule that denied', () => {
    expect(addressRefusal('169.254.169.254', 'evil.test', policy)).toBe(
      'evil.test (169.254.169.254) is denied by MANO_VIM_URL_DENY (169.254.0.0/16)',
    );
    expect(hostRefusal('fd00:ec2::254', policy)).toBe('fd00:ec2::254 is denied by MANO_VIM_URL_DENY (fd00:ec2::254)');
  });

  it('reads MANO_VIM_URL_DENY (replacing the default, `default` keeps it) and MANO_VIM_URL_ALLOW', () => {
    const own = vimUrlPolicy({ MANO_VIM_URL_DENY: '10.0.0.0/8, .corp.example' });
    expect(hostRefusal('10.1.2.3', own)).toMatch(/10\.0\.0\.0\/8/);
    expect(hostRefusal('db.corp.example', own)).toMatch(/\.corp\.example/);
    expect(hostRefusal('169.254.169.254', own)).toBeUndefined();
    const both = vimUrlPolicy({ MANO_VIM_URL_DENY: 'default,10.0.0.0/8' });
    expect(hostRefusal('169.254.169.254', both)).toBeDefined();
    expect(hostRefusal('10.1.2.3', both)).toBeDefined();
    expect(hostRefusal('169.254.169.254', vimUrlPolicy({ MANO_VIM_URL_DENY: 'none' }))).toBeUndefined();

    const allow = vimUrlPolicy({ MANO_VIM_URL_ALLOW: '192.0.2.0/24,keystone.lab,2001:db8::/32' });
    expect(addressRefusal('192.0.2.7', 'x.test', allow)).toBeUndefined();
    expect(addressRefusal('198.51.100.1', 'keystone.lab', allow)).toBeUndefined();
    expect(addressRefusal('2001:db8::5', '2001:db8::5', allow)).toBeUndefined();
    expect(addressRefusal('198.51.100.1', 'other.lab', allow)).toBe('other.lab (198.51.100.1) is not in MANO_VIM_URL_ALLOW');
    // denial wins over allowance
    expect(addressRefusal('169.254.169.254', 'keystone.lab', allow)).toMatch(/denied/);

    expect(() => vimUrlPolicy({ MANO_VIM_URL_DENY: '10.0.0.0/33' })).toThrow(
      /MANO_VIM_URL_DENY: '10.0.0.0\/33' has a bad prefix/,
    );
    expect(() => vimUrlPolicy({ MANO_VIM_URL_ALLOW: 'http://x/' })).toThrow(/MANO_VIM_URL_ALLOW: 'http:\/\/x\/' is neither/);
  });

  it('checks every address a name resolves to, IPv4 and IPv6, mapped ones too', (done) => {
    const lookup = guardedLookup(
      policy,
      table({
        'ok.test': ['127.0.0.1', '::1'],
        'mixed.test': ['127.0.0.1', '169.254.169.254'],
        'mapped.test': ['::ffff:169.254.169.254'],
        'v6.test': ['fe80::5'],
      }),
    );
    const results: Record<string, string> = {};
    const names = ['ok.test', 'mixed.test', 'mapped.test', 'v6.test', 'missing.test'];
    let left = names.length;
    for (const name of names)
      lookup(name, { all: true }, (err, addresses) => {
        results[name] = err
          ? (deniedCause(err)?.message ?? `error ${(err as { code?: string }).code}`)
          : JSON.stringify(addresses);
        if (--left === 0) {
          expect(results['ok.test']).toBe(
            JSON.stringify([
              { address: '127.0.0.1', family: 4 },
              { address: '::1', family: 6 },
            ]),
          );
          expect(results['mixed.test']).toBe(
            'refused to connect: mixed.test (169.254.169.254) is denied by MANO_VIM_URL_DENY (169.254.0.0/16)',
          );
          expect(results['mapped.test']).toMatch(/mapped\.test \(::ffff:169\.254\.169\.254\) is denied/);
          expect(results['v6.test']).toMatch(/fe80::\/10/);
          expect(results['missing.test']).toBe('error ENOTFOUND');
          done();
        }
      });
  });

  describe('agents', () => {
    let server: Server;
    let port: number;
    let hits = 0;
    beforeAll(async () => {
      server = createServer((_req, res) => {
        hits++;
        res.end('hello');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    const fetchWith = (url: string, agents: ReturnType<typeof guardedAgents>) =>
      new Promise<string>((resolve, reject) => {
        get(url, { agent: agents.httpAgent }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c)).on('end', () => resolve(body));
        }).on('error', reject);
      });

    it('connect to names resolving to allowed addresses, refuse denied ones and literal denied addresses before connecting', async () => {
      const agents = guardedAgents({}, policy, table({ 'good.test': ['127.0.0.1'], 'rebound.test': ['169.254.169.254'] }));
      await expect(fetchWith(`http://good.test:${port}/`, agents)).resolves.toBe('hello');
      const refused = await fetchWith(`http://rebound.test:${port}/`, agents).catch((e: unknown) => e);
      expect(deniedCause(refused)?.message).toMatch(/rebound\.test \(169\.254\.169\.254\) is denied/);
      // a literal address never goes through lookup: checked where the connection is opened (no packet is sent)
      const literal = await fetchWith('http://169.254.169.254/latest/meta-data/', agents).catch((e: unknown) => e);
      expect(deniedCause(literal)?.message).toMatch(/169\.254\.169\.254 is denied/);
      expect(hits).toBe(1);
    });

    it('guard an agent a client library made (guardAgent)', async () => {
      const { Agent } = await import('node:http');
      const agents = { httpAgent: guardAgent(new Agent({ keepAlive: false }), policy, table({ 'meta.test': ['fe80::1'] })) };
      const refused = await fetchWith(`http://meta.test:${port}/`, agents as ReturnType<typeof guardedAgents>).catch(
        (e: unknown) => e,
      );
      expect(deniedCause(refused)?.message).toMatch(/meta\.test \(fe80::1\) is denied by MANO_VIM_URL_DENY \(fe80::\/10\)/);
      await expect(fetchWith(`http://127.0.0.1:${port}/`, agents as ReturnType<typeof guardedAgents>)).resolves.toBe('hello');
    });
  });
});

describe('remote text', () => {
  it('shows no markup, control characters, tokens or more than 200 characters', () => {
    expect(remoteText('<html><head><title>502 Bad Gateway</title></head><body><h1>x</h1>secret page</body></html>')).toBe(
      'HTML page: 502 Bad Gateway',
    );
    expect(remoteText('bad\u001b[31m red\u0007\u202e txt\r\nnext')).toBe('bad [31m red txt next');
    expect(remoteText('refused\nX-Subject-Token: gAAAAABlongtokenvalue1234567890 x\nnext')).toBe(
      'refused X-Subject-Token: *** next',
    );
    expect(remoteText('Authorization: Bearer abcdefghijklmnop')).toBe('Authorization: ***');
    expect(remoteText('token gAAAAABabcdefghijklmnopqrstuvwxyz0123 end')).toBe('token *** end');
    expect(remoteText('x'.repeat(1000))).toBe('***');
    const long = remoteText('word '.repeat(100));
    expect(long.length).toBe(200);
    expect(long.endsWith('…')).toBe(true);
    expect(remoteText({ a: 1 })).toBe('{"a":1}');
  });
});
