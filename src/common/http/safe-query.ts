import type { NextFunction, Request, Response } from 'express';
import { assertSafePath } from '../object-paths';

/**
 * Query keys become object paths (descriptor overrides such as `?id=x`, list filters such as `?_admin.type=`),
 * so a key with a `__proto__`, `constructor` or `prototype` segment is refused for every route, before
 * authentication and before any handler could walk it (400 naming the key).
 */
export function rejectUnsafeQueryKeys(req: Request, _res: Response, next: NextFunction): void {
  for (const key of Object.keys(req.query as object)) assertSafePath(key, 'Query key');
  next();
}
