/**
 * A small YANG (RFC 7950) reader and compiler, enough to turn OSM's information model into JSON Schema:
 * modules and submodules, imports, typedefs, groupings/uses (with relative augments), containers, lists,
 * leaves, leaf-lists, choices/cases and top-level augments. Constraints that are XPath (`must`, `when`),
 * patterns and `mandatory` are not enforced, as OSM's own validator is lenient there.
 */
export interface Statement {
  keyword: string;
  arg: string;
  children: Statement[];
}

export function parseYang(text: string, file: string): Statement {
  const tokens: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith('//', i)) {
      i = text.indexOf('\n', i) === -1 ? n : text.indexOf('\n', i);
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
    } else if (c === '{' || c === '}' || c === ';') {
      tokens.push(c);
      i++;
    } else if (c === '"' || c === "'") {
      // quoted strings, possibly joined with +
      let value = '';
      for (;;) {
        const quote = text[i];
        let j = i + 1;
        let s = '';
        while (j < n && text[j] !== quote) {
          if (quote === '"' && text[j] === '\\' && j + 1 < n) {
            const e = text[j + 1];
            s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
            j += 2;
          } else {
            s += text[j++];
          }
        }
        value += s;
        i = j + 1;
        const rest = /^\s*\+\s*(["'])/.exec(text.slice(i, i + 200));
        if (!rest) break;
        i += rest[0].length - 1;
      }
      tokens.push(`\u0000${value}`);
    } else {
      let j = i;
      while (j < n && !/[\s{};]/.test(text[j])) j++;
      tokens.push(text.slice(i, j));
      i = j;
    }
  }
  let pos = 0;
  const unquote = (t: string): string => (t.startsWith('\u0000') ? t.slice(1) : t);
  const statement = (): Statement => {
    const keyword = unquote(tokens[pos++]);
    let arg = '';
    if (tokens[pos] !== ';' && tokens[pos] !== '{') arg = unquote(tokens[pos++]);
    const children: Statement[] = [];
    if (tokens[pos] === ';') {
      pos++;
    } else if (tokens[pos] === '{') {
      pos++;
      while (tokens[pos] !== '}') {
        if (pos >= tokens.length) throw new Error(`${file}: unexpected end of file in ${keyword} ${arg}`);
        children.push(statement());
      }
      pos++;
    } else {
      throw new Error(`${file}: expected ; or { after ${keyword} ${arg}`);
    }
    return { keyword, arg, children };
  };
  return statement();
}

export type SchemaNode =
  | { kind: 'container' | 'case'; name: string; children: SchemaNode[] }
  | { kind: 'list'; name: string; keys: string[]; children: SchemaNode[] }
  | { kind: 'choice'; name: string; children: SchemaNode[] }
  | { kind: 'leaf' | 'leaf-list'; name: string; type: Record<string, unknown> };

interface Module {
  name: string;
  prefix: string;
  /** prefix → module name */
  imports: Map<string, string>;
  /** top-level statements of the module and its submodules */
  body: Statement[];
}

/** Where names are resolved: the module, and the chain of enclosing statements (for nested groupings/typedefs). */
interface Scope {
  module: Module;
  parents: Statement[][];
}

const DATA = new Set(['container', 'list', 'leaf', 'leaf-list', 'choice', 'case', 'uses', 'anydata', 'anyxml']);

export class YangCompiler {
  private readonly modules = new Map<string, Module>();

  constructor(files: { name: string; text: string }[]) {
    const parsed = files.map((f) => parseYang(f.text, f.name));
    const submodules = new Map(parsed.filter((s) => s.keyword === 'submodule').map((s) => [s.arg, s]));
    for (const m of parsed.filter((s) => s.keyword === 'module')) {
      const body = [...m.children];
      for (const inc of m.children.filter((c) => c.keyword === 'include')) {
        const sub = submodules.get(inc.arg);
        if (!sub) throw new Error(`module ${m.arg} includes unknown submodule ${inc.arg}`);
        body.push(...sub.children);
      }
      const prefix = m.children.find((c) => c.keyword === 'prefix')!.arg;
      const imports = new Map<string, string>();
      for (const imp of body.filter((c) => c.keyword === 'import')) {
        imports.set(imp.children.find((c) => c.keyword === 'prefix')!.arg, imp.arg);
      }
      imports.set(prefix, m.arg);
      this.modules.set(m.arg, { name: m.arg, prefix, imports, body });
    }
  }

  /** The data tree of `moduleName` with every module's top-level augments applied. */
  compile(moduleName: string): SchemaNode[] {
    const roots = new Map<string, SchemaNode[]>();
    for (const m of this.modules.values()) roots.set(m.name, this.expand(m.body, { module: m, parents: [m.body] }));
    const pending = [...this.modules.values()].flatMap((m) =>
      m.body.filter((s) => s.keyword === 'augment').map((s) => ({ module: m, stmt: s })),
    );
    // augments may target nodes other augments add: apply until nothing more can be placed
    for (let progress = true; progress && pending.length;) {
      progress = false;
      for (const item of [...pending]) {
        const steps = item.stmt.arg.split('/').filter(Boolean);
        const [firstPrefix] = steps[0].split(':');
        const targetModule = item.module.imports.get(firstPrefix) ?? item.module.name;
        const target = this.find(
          roots.get(targetModule) ?? [],
          steps.map((s) => s.split(':').pop()!),
        );
        if (!target || !('children' in target)) continue;
        target.children.push(
          ...this.expand(item.stmt.children, { module: item.module, parents: [item.module.body, item.stmt.children] }),
        );
        pending.splice(pending.indexOf(item), 1);
        progress = true;
      }
    }
    return roots.get(moduleName) ?? [];
  }

  private find(nodes: SchemaNode[], path: string[]): SchemaNode | undefined {
    const [head, ...rest] = path;
    const node =
      nodes.find((n) => n.name === head) ??
      nodes
        .filter((n) => n.kind === 'choice')
        .flatMap((c) => ('children' in c ? c.children : []))
        .map((k) => ('children' in k ? this.find(k.children, path) : undefined))
        .find(Boolean);
    if (!node || rest.length === 0) return node;
    return 'children' in node ? this.find(node.children, rest) : undefined;
  }

  private expand(stmts: Statement[], scope: Scope): SchemaNode[] {
    const out: SchemaNode[] = [];
    for (const s of stmts) {
      if (!DATA.has(s.keyword)) continue;
      if (s.children.some((c) => c.keyword === 'config' && c.arg === 'false')) continue;
      const inner: Scope = { module: scope.module, parents: [...scope.parents, s.children] };
      switch (s.keyword) {
        case 'uses': {
          const { stmt, scope: gScope } = this.lookup('grouping', s.arg, scope);
          const nodes = this.expand(stmt.children, { module: gScope.module, parents: [...gScope.parents, stmt.children] });
          for (const aug of s.children.filter((c) => c.keyword === 'augment')) {
            const target = this.find(
              nodes,
              aug.arg
                .split('/')
                .filter(Boolean)
                .map((p) => p.split(':').pop()!),
            );
            if (target && 'children' in target) target.children.push(...this.expand(aug.children, inner));
          }
          out.push(...nodes);
          break;
        }
        case 'container':
        case 'case':
          out.push({ kind: s.keyword, name: s.arg, children: this.expand(s.children, inner) });
          break;
        case 'choice': {
          // a shorthand case (a data node directly under choice) is its own case
          const cases = s.children.filter((c) => DATA.has(c.keyword));
          const children = cases.flatMap((c) =>
            c.keyword === 'case'
              ? this.expand([c], inner)
              : [{ kind: 'case' as const, name: c.arg, children: this.expand([c], inner) }],
          );
          out.push({ kind: 'choice', name: s.arg, children });
          break;
        }
        case 'list': {
          const key = s.children.find((c) => c.keyword === 'key')?.arg ?? '';
          out.push({
            kind: 'list',
            name: s.arg,
            keys: key.split(/\s+/).filter(Boolean),
            children: this.expand(s.children, inner),
          });
          break;
        }
        case 'leaf':
        case 'leaf-list':
          out.push({
            kind: s.keyword,
            name: s.arg,
            type: this.type(
              s.children.find((c) => c.keyword === 'type')!,
              scope,
            ),
          });
          break;
        default:
          out.push({ kind: 'leaf', name: s.arg, type: {} });
      }
    }
    return out;
  }

  /** A grouping or typedef by (possibly prefixed) name, searched outward from the scope, then in the named module. */
  private lookup(keyword: 'grouping' | 'typedef', ref: string, scope: Scope): { stmt: Statement; scope: Scope } {
    const [prefix, name] = ref.includes(':') ? ref.split(':') : [undefined, ref];
    if (prefix === undefined || prefix === scope.module.prefix) {
      for (let i = scope.parents.length - 1; i >= 0; i--) {
        const found = scope.parents[i].find((c) => c.keyword === keyword && c.arg === name);
        if (found) return { stmt: found, scope: { module: scope.module, parents: scope.parents.slice(0, i + 1) } };
      }
    }
    const moduleName = prefix === undefined ? scope.module.name : scope.module.imports.get(prefix);
    const module = moduleName ? this.modules.get(moduleName) : undefined;
    const found = module?.body.find((c) => c.keyword === keyword && c.arg === name);
    if (!module || !found) throw new Error(`${scope.module.name}: unknown ${keyword} ${ref}`);
    return { stmt: found, scope: { module, parents: [module.body] } };
  }

  /** JSON Schema of a YANG type, lenient the way OSM's pyangbind is (numbers for strings, strings for numbers). */
  private type(t: Statement, scope: Scope): Record<string, unknown> {
    const sub = (k: string) => t.children.filter((c) => c.keyword === k);
    switch (t.arg) {
      case 'string':
      case 'leafref':
      case 'binary':
      case 'bits':
      case 'instance-identifier':
        return { type: ['string', 'number'] };
      case 'identityref':
        return { type: 'string' };
      case 'boolean':
        return { anyOf: [{ type: 'boolean' }, { enum: ['true', 'false', 'True', 'False'] }] };
      case 'empty':
        return { type: ['null', 'boolean', 'object'] };
      case 'decimal64':
        return { type: ['number', 'string'], pattern: '^-?[0-9]+(\\.[0-9]+)?$' };
      case 'int8':
      case 'int16':
      case 'int32':
      case 'int64':
        return { type: ['integer', 'string'], pattern: '^-?[0-9]+$' };
      case 'uint8':
      case 'uint16':
      case 'uint32':
      case 'uint64':
        return { type: ['integer', 'string'], minimum: 0, pattern: '^[0-9]+$' };
      case 'enumeration':
        return { enum: sub('enum').map((e) => e.arg) };
      case 'union':
        return { anyOf: sub('type').map((m) => this.type(m, scope)) };
      default: {
        const { stmt, scope: tScope } = this.lookup('typedef', t.arg, scope);
        return this.type(
          stmt.children.find((c) => c.keyword === 'type')!,
          tScope,
        );
      }
    }
  }
}

/** JSON Schema (draft 7) of a compiled node: objects reject unknown fields; list keys are required. */
export function toJsonSchema(node: SchemaNode): Record<string, unknown> {
  switch (node.kind) {
    case 'leaf':
      return node.type;
    case 'leaf-list':
      return { type: 'array', items: node.type };
    case 'list':
      return { type: 'array', items: objectSchema(node.children, node.keys) };
    default:
      return objectSchema(node.children, []);
  }
}

function flatten(children: SchemaNode[]): SchemaNode[] {
  return children.flatMap((c) => (c.kind === 'choice' || c.kind === 'case' ? flatten(c.children) : [c]));
}

function objectSchema(children: SchemaNode[], required: string[]): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const child of flatten(children)) properties[child.name] = toJsonSchema(child);
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false };
}
