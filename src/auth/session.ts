import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';

/**
 * Who is calling and with which powers, from the bearer token plus OSM's admin query strings.
 * Every service takes it and scopes what it reads and writes by it.
 */
export interface Session {
  tokenHash: string;
  userId: string;
  username: string;
  /** The token's project. */
  projectId: string;
  projectName: string;
  roles: { id: string; name: string }[];
  /** A role of the token allows `admin:<method>` (system_admin): may use ADMIN and see other projects. */
  isAdmin: boolean;
  /** Projects whose records the request may touch; empty = all projects (`ADMIN` with no value). */
  projectIds: string[];
  /** `FORCE`: skip dependency and state checks. */
  force: boolean;
  /** `PUBLIC`: true/false when given, undefined otherwise. */
  public?: boolean;
  /** `SET_PROJECT`: projects a record is shared with. */
  setProject?: string[];
  /** The operation was granted by a role, not only by OSM's "list your own" rule (bug 853). */
  allowShowUserProjectRole: boolean;
  /** The token only allows changing the caller's own password (forced change of a generated password). */
  passwordChangeOnly?: boolean;
}

export const PERMISSION_KEY = 'osm:permission';
export const PUBLIC_ROUTE_KEY = 'osm:public';

/** The OSM operation this route performs (e.g. `users:id:patch`), checked against the caller's roles. */
export const Permission = (operation: string): MethodDecorator => SetMetadata(PERMISSION_KEY, operation);
/** No token needed (health, version, login). */
export const PublicRoute = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE_KEY, true);

export const CurrentSession = createParamDecorator((_data: unknown, ctx: ExecutionContext): Session => {
  const session = ctx.switchToHttp().getRequest<{ session?: Session }>().session;
  if (!session) throw new Error('route has no session: add @Permission');
  return session;
});

/** Any valid token: the route does its own ownership checks (tokens), outside OSM's role map. */
export const AUTHENTICATED_ONLY = 'authenticated';
export const Authenticated = (): MethodDecorator => SetMetadata(PERMISSION_KEY, AUTHENTICATED_ONLY);
