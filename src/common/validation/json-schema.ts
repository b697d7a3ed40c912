import Ajv, { ErrorObject, JSONSchemaType, ValidateFunction } from 'ajv';
import { DomainError, FieldProblem } from '../errors/domain-error';

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });

export type Schema = Record<string, unknown>;

/** `/a/0/b` → `a[0].b`, the path style OSM users read in error details. */
export function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function toProblem(e: ErrorObject): FieldProblem {
  const base = pointerToPath(e.instancePath);
  const join = (child: string): string => (base ? `${base}.${child}` : child);
  switch (e.keyword) {
    case 'required':
      return { path: join(String(e.params.missingProperty)), message: 'is required' };
    case 'additionalProperties':
      return { path: join(String(e.params.additionalProperty)), message: 'is not an allowed field' };
    case 'enum':
      return { path: base, message: `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}` };
    default:
      return { path: base, message: e.message ?? 'is invalid' };
  }
}

/** A compiled schema that throws 422 naming every offending field. */
export class BodySchema<T> {
  private readonly validateFn: ValidateFunction;

  constructor(
    readonly schema: Schema,
    private readonly what: string,
  ) {
    this.validateFn = ajv.compile(schema);
  }

  validate(body: unknown): T {
    if (this.validateFn(body)) return body as T;
    const problems = dedupe((this.validateFn.errors ?? []).filter((e) => e.keyword !== 'if').map(toProblem));
    const detail = problems.map((p) => `Format error at '${p.path || '(body)'}': ${p.message}`).join('; ');
    throw DomainError.unprocessable('REQUEST.INVALID_BODY', `Invalid ${this.what}: ${detail}`, problems);
  }
}

function dedupe(problems: FieldProblem[]): FieldProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export type { JSONSchemaType };
