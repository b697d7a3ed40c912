import { INestApplication, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { PERMISSION_KEY, PUBLIC_ROUTE_KEY } from '../../src/auth/session';

export interface RouteInfo {
  method: string;
  /** Express path, e.g. `/osm/nslcm/v1/ns_instances/:id/instantiate`. */
  path: string;
  /** OSM operation of `@Permission` (or `authenticated`); undefined for public routes. */
  permission?: string;
  isPublic: boolean;
}

const REST = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const join = (...parts: string[]) =>
  `/${parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/')}`;

/** `@Permission`/`@PublicRoute` of every handler, keyed by `METHOD path`, from the controllers' metadata. */
function handlerMetadata(app: INestApplication): Map<string, { permission?: string; isPublic: boolean }> {
  const out = new Map<string, { permission?: string; isPublic: boolean }>();
  for (const mod of app.get(ModulesContainer).values()) {
    for (const wrapper of mod.controllers.values()) {
      const ctrl = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!ctrl) continue;
      const bases = ([] as string[]).concat(Reflect.getMetadata(PATH_METADATA, ctrl) ?? '');
      const names = new Set<string>();
      for (let p = ctrl.prototype as object | null; p && p !== Object.prototype; p = Object.getPrototypeOf(p))
        for (const n of Object.getOwnPropertyNames(p)) names.add(n);
      for (const name of names) {
        const fn = (ctrl.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof fn !== 'function') continue;
        const paths = Reflect.getMetadata(PATH_METADATA, fn) as string | string[] | undefined;
        if (paths === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, fn) as number];
        const isPublic = !!(Reflect.getMetadata(PUBLIC_ROUTE_KEY, fn) ?? Reflect.getMetadata(PUBLIC_ROUTE_KEY, ctrl));
        const permission = (Reflect.getMetadata(PERMISSION_KEY, fn) ?? Reflect.getMetadata(PERMISSION_KEY, ctrl)) as string;
        for (const base of bases)
          for (const path of ([] as string[]).concat(paths)) out.set(`${method} ${join(base, path)}`, { permission, isPublic });
      }
    }
  }
  return out;
}

/**
 * Every route × method the HTTP server answers, read from Express's router (so a new route cannot escape a test
 * built on it), with its permission from the Nest handler behind it.
 */
export function routesOf(app: INestApplication): RouteInfo[] {
  const meta = handlerMetadata(app);
  const express = app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string | string[]; methods: Record<string, boolean> } }[] };
  };
  const out: RouteInfo[] = [];
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    for (const path of ([] as string[]).concat(layer.route.path)) {
      for (const m of Object.keys(layer.route.methods).filter((k) => layer.route!.methods[k] && k !== '_all')) {
        const method = m.toUpperCase();
        // @All handlers are registered for every verb Node knows; the REST verbs are the ones clients use
        if (!REST.includes(method)) continue;
        const info = meta.get(`${method} ${path}`) ?? meta.get(`ALL ${path}`);
        // Swagger UI's static files are the only routes outside Nest's controllers
        if (!info && path.startsWith('/docs')) {
          out.push({ method, path, isPublic: true });
          continue;
        }
        if (!info) throw new Error(`route ${method} ${path} has no Nest handler metadata`);
        out.push({ method, path, ...info });
      }
      if (layer.route.methods._all) {
        const info = meta.get(`ALL ${path}`);
        out.push({ method: 'ALL', path, permission: info?.permission, isPublic: info?.isPublic ?? false });
      }
    }
  }
  return out;
}
