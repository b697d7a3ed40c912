/** HTTP status names as OSM (Python's HTTPStatus) writes them in the error body's `code`. */
export const HTTP_STATUS_NAMES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'REQUEST_ENTITY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  416: 'REQUESTED_RANGE_NOT_SATISFIABLE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  501: 'NOT_IMPLEMENTED',
  503: 'SERVICE_UNAVAILABLE',
};

export interface FieldProblem {
  /** Dotted/indexed path of the offending field, e.g. `project_role_mappings[0].role`. */
  path: string;
  message: string;
}

/**
 * The one error type domain and application code throw. The global filter renders it as
 * OSM's `{code, status, detail}` plus our `reason` (AREA.REASON) and optional field problems.
 */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    detail: string,
    readonly errors?: FieldProblem[],
  ) {
    super(detail);
  }

  static badRequest(reason: string, detail: string): DomainError {
    return new DomainError(400, reason, detail);
  }
  static unauthorized(detail: string, reason = 'AUTH.UNAUTHORIZED'): DomainError {
    return new DomainError(401, reason, detail);
  }
  static notFound(reason: string, detail: string): DomainError {
    return new DomainError(404, reason, detail);
  }
  static conflict(reason: string, detail: string): DomainError {
    return new DomainError(409, reason, detail);
  }
  static unprocessable(reason: string, detail: string, errors?: FieldProblem[]): DomainError {
    return new DomainError(422, reason, detail, errors);
  }
  /** 422 listing every problem with its path, in `detail` (after `prefix`) and in `errors`. */
  static invalidFields(reason: string, problems: FieldProblem[], prefix = ''): DomainError {
    return new DomainError(422, reason, `${prefix}${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, problems);
  }
}
