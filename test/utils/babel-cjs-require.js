/**
 * Babel plugin for Jest only: ES modules that build their own `require` with
 * `const require = createRequire(import.meta.url)` already have one once compiled to CommonJS,
 * and the declaration would shadow it. Drop that declaration.
 */
module.exports = function stripCreateRequire() {
  return {
    visitor: {
      VariableDeclarator(path) {
        const { id, init } = path.node;
        if (
          id.type === 'Identifier' &&
          id.name === 'require' &&
          init?.type === 'CallExpression' &&
          init.callee.name === 'createRequire'
        ) {
          path.parentPath.remove();
        }
      },
    },
  };
};
