import { parseJson, parseYaml, parseYamlAll, YamlRefused } from './safe-parse';

async function refusal(p: Promise<unknown>): Promise<YamlRefused> {
  try {
    await p;
  } catch (e) {
    if (e instanceof YamlRefused) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('the one YAML parse configuration', () => {
  it('reads YAML 1.1 as PyYAML does (merge keys, timestamps), JSON text quickly, and streams', async () => {
    expect(await parseYaml('a: &x {b: 1}\nc:\n  <<: *x\n  d: 2\n')).toEqual({ a: { b: 1 }, c: { b: 1, d: 2 } });
    expect(await parseYaml('{"vnfd": {"id": "x"}}')).toEqual({ vnfd: { id: 'x' } });
    expect(await parseYaml('')).toBeNull();
    expect(await parseYamlAll('kind: A\n---\nkind: B\n')).toEqual([{ kind: 'A' }, { kind: 'B' }]);
  });

  it('refuses custom and language tags', async () => {
    expect((await refusal(parseYaml('a: !foo bar'))).kind).toBe('tag');
    const py = await refusal(parseYaml('a: !!python/object/apply:os.system ["id"]'));
    expect(py.kind).toBe('tag');
    expect(py.message).toMatch(/custom tags are not accepted/);
  });

  it('refuses alias bombs, deep nesting and floods of items, quickly', async () => {
    const laughs = ['a: &a [1,1,1,1,1,1,1,1,1]'];
    for (const [n, p] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
    ])
      laughs.push(`${n}: &${n} [${Array(9).fill(`*${p}`).join(',')}]`);
    expect((await refusal(parseYaml(laughs.join('\n')))).message).toMatch(/alias/i);
    expect((await refusal(parseYaml('a: ' + '['.repeat(150) + ']'.repeat(150)))).kind).toBe('depth');
    // deeper still overflows the parser's own stack: refused all the same, the service unaffected
    expect(['depth', 'syntax']).toContain((await refusal(parseYaml('a: ' + '['.repeat(20000) + ']'.repeat(20000)))).kind);
    expect((await refusal(parseJson('['.repeat(500) + ']'.repeat(500)))).kind).toBe('depth');
    // 1 MiB of `- 1` lines: composing it would take seconds; the token count refuses it first
    const started = Date.now();
    const flood = await refusal(
      parseYaml(
        Array(1 << 18)
          .fill('- 1')
          .join('\n'),
      ),
    );
    console.log(`1 MiB block list refused in ${Date.now() - started} ms`);
    expect(flood.kind).toBe('too-complex');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers a syntax error with its first line', async () => {
    const e = await refusal(parseYaml('name: [unclosed'));
    expect(e.kind).toBe('syntax');
    expect(e.message).not.toContain('\n');
    expect((await refusal(parseJson('{"a":'))).kind).toBe('syntax');
  });

  it('parses in a worker: the event loop keeps turning during a large parse', async () => {
    const doc = Array.from({ length: 10_000 }, (_, i) => `key${i}:\n  name: value ${i}\n  list: [a, b]`).join('\n');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = Date.now();
    const value = (await parseYaml(doc).finally(() => clearInterval(timer))) as Record<string, unknown>;
    console.log(`${(doc.length / 1024).toFixed(0)} KiB parsed in ${Date.now() - started} ms; ${ticks} timer ticks meanwhile`);
    expect(Object.keys(value)).toHaveLength(10_000);
    expect(ticks).toBeGreaterThan(0);
  });
});
