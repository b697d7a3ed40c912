import { randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const newId = (): string => randomUUID();
/** OSM addresses users, projects and roles by id when the path looks like a UUID, else by name. */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
export const nowSeconds = (): number => Date.now() / 1000;
