import { parse, stringify } from 'yaml';

/**
 * Adds public keys to a `#cloud-config` user data (OSM does the same with the instantiate `ssh_keys`), so that
 * the orchestrator can log in for day-1/2. Other user-data formats (shell scripts, MIME multipart) are passed
 * unchanged: their authors place keys themselves.
 */
export function withAuthorizedKeys(userData: string | undefined, keys: string[]): string | undefined {
  if (!keys.length) return userData;
  if (userData !== undefined && !userData.trimStart().startsWith('#cloud-config')) return userData;
  const doc = (userData ? parse(userData) : {}) as Record<string, unknown> | null;
  const config = doc && typeof doc === 'object' ? doc : {};
  const existing = Array.isArray(config.ssh_authorized_keys) ? (config.ssh_authorized_keys as string[]) : [];
  config.ssh_authorized_keys = [...existing, ...keys.filter((k) => !existing.includes(k))];
  return `#cloud-config\n${stringify(config, { lineWidth: 0 })}`;
}
