import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// src/ when run from sources, dist/src/ when built
const pkgFile = [join(__dirname, '..', 'package.json'), join(__dirname, '..', '..', 'package.json')].find(existsSync)!;
const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string };

/** Reported by GET /osm/version, in OSM's shape. */
export const VERSION = { version: pkg.version, date: '2026-11-26' };
