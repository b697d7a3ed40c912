/**
 * The code of a YAML parse worker, as plain JavaScript so that it runs the same from the build, under ts-node
 * and under Jest (a worker thread has no TypeScript loader). It holds the one set of checks every YAML text of
 * the service goes through: YAML 1.1 as PyYAML reads it, no custom tags, bounded aliases and nesting.
 */
export const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const YAML = require(workerData.yamlPath);
const { maxAliasCount, maxDepth, maxNodes, maxTokens } = workerData.limits;
// prettyErrors off: its context rendering builds a regular expression that can exhaust V8 on deep nesting.
const OPTIONS = { version: '1.1', uniqueKeys: false, prettyErrors: false, strict: true };
const firstLine = (m) => String(m).split('\n')[0];

/** Iterative (a recursive walk is what a deep document attacks). Shared alias targets count once per visit. */
function shapeProblem(root) {
  const stack = [root, 1];
  let nodes = 0;
  while (stack.length > 0) {
    const depth = stack.pop();
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    if (depth > maxDepth) return { kind: 'depth', message: 'nesting deeper than ' + maxDepth + ' levels' };
    if (++nodes > maxNodes) return { kind: 'too-complex', message: 'more than ' + maxNodes + ' collections' };
    let children;
    if (Array.isArray(value)) children = value;
    else if (value instanceof Map) children = [...value.keys(), ...value.values()];
    else if (value instanceof Set) children = [...value];
    else if (ArrayBuffer.isView(value) || value instanceof Date) children = [];
    else children = Object.values(value);
    for (const c of children) if (c !== null && typeof c === 'object') stack.push(c, depth + 1);
  }
  return undefined;
}

function parseYaml(text, all) {
  // Composing costs ~10× lexing: count the tokens first and refuse a flood of tiny items quickly.
  let tokens = 0;
  for (const token of new YAML.Lexer().lex(text)) {
    if (token !== '' && ++tokens > maxTokens) {
      return { error: { kind: 'too-complex', message: 'more than ' + maxTokens + ' YAML tokens' } };
    }
  }
  const docs = all ? YAML.parseAllDocuments(text, OPTIONS) : [YAML.parseDocument(text, OPTIONS)];
  const values = [];
  for (const doc of Array.from(docs)) {
    if (doc.errors.length > 0) return { error: { kind: 'syntax', message: firstLine(doc.errors[0].message) } };
    const tag = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
    if (tag) return { error: { kind: 'tag', message: 'custom tags are not accepted: ' + firstLine(tag.message) } };
    values.push(doc.toJS({ maxAliasCount }));
  }
  return { values };
}

parentPort.on('message', ({ id, text, format, all }) => {
  let reply;
  try {
    const parsed = format === 'json' ? { values: [JSON.parse(text)] } : parseYaml(text, all);
    const problem = parsed.error ?? parsed.values.map(shapeProblem).find((p) => p !== undefined);
    reply = problem ? { id, error: problem } : { id, values: parsed.values };
  } catch (e) {
    reply = { id, error: { kind: 'syntax', message: firstLine(e && e.message) } };
  }
  try {
    parentPort.postMessage(reply);
  } catch (e) {
    parentPort.postMessage({ id, error: { kind: 'too-complex', message: firstLine(e && e.message) } });
  }
});
`;
