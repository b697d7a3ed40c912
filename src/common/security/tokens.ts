import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes, url-safe: 43 characters like OSM's token ids. */
export function newBearerToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
