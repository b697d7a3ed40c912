import type { NextFunction, Request, Response } from 'express';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';

/** Where the web UI is served. Everything under it is public: the UI calls the API with the user's token. */
export const UI_PATH = '/ui';

/**
 * The web UI's pages: its own scripts, styles and images only, API calls to this origin only; no inline script, no
 * framing. Cytoscape draws on a canvas and sets element styles through the CSSOM, which style-src does not restrict.
 */
export const UI_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; " +
  "connect-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** `dist/ui` of the package this file belongs to (from src/ under ts-node or jest, or from dist/src once built). */
export function defaultUiDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'ui');
}

function isUiPath(path: string): boolean {
  return path === UI_PATH || path.startsWith(`${UI_PATH}/`);
}

/**
 * Serves the built web UI at /ui/: files as they are, any other path under /ui/ gets index.html (the UI's router
 * reads the path), 503 naming the build command when the UI was not built. Vite names assets by content hash, so
 * they are cached for a year; index.html is revalidated every time, so a new build shows up at once.
 */
export function webUi(uiDir = defaultUiDir()) {
  const root = resolve(uiDir);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!isUiPath(req.path)) return next();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      res.status(405).json({ code: 'METHOD_NOT_ALLOWED', status: 405, detail: 'the web UI is read-only: GET or HEAD' });
      return;
    }
    if (req.path === UI_PATH) {
      // relative asset URLs need the trailing slash
      res.redirect(301, `${UI_PATH}/`);
      return;
    }
    const index = join(root, 'index.html');
    if (!existsSync(index)) {
      res.setHeader('Retry-After', '60');
      res.status(503).json({
        code: 'SERVICE_UNAVAILABLE',
        status: 503,
        detail: `the web UI is not built (no ${index}): run npm run build`,
      });
      return;
    }
    let relativePath: string;
    try {
      relativePath = decodeURIComponent(req.path.slice(UI_PATH.length + 1));
    } catch {
      res.status(400).json({ code: 'BAD_REQUEST', status: 400, detail: 'malformed path' });
      return;
    }
    const file = resolve(root, relativePath);
    const inside = file.startsWith(root + sep) && !relativePath.includes('\0');
    const stat = inside ? statIfFile(file) : undefined;
    if (stat && extname(file) !== '.html') {
      send(req, res, file, stat.size, relativePath.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      return;
    }
    // a missing asset is a 404 (a stale page asking for an old hash), not the app's page
    if (relativePath.startsWith('assets/')) {
      res.status(404).json({ code: 'NOT_FOUND', status: 404, detail: `no such UI asset: ${relativePath.slice(0, 100)}` });
      return;
    }
    send(req, res, index, statSync(index).size, 'no-cache');
  };
}

function statIfFile(file: string): { size: number } | undefined {
  try {
    const s = statSync(file);
    return s.isFile() ? s : undefined;
  } catch {
    return undefined;
  }
}

function send(req: Request, res: Response, file: string, size: number, cacheControl: string): void {
  res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
  res.setHeader('Content-Length', String(size));
  res.setHeader('Cache-Control', cacheControl);
  res.status(200);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}
