import { ColumnOptions } from 'typeorm';

/** Portable column types that mean the same on SQLite and PostgreSQL. */
export const epochSeconds = (name: string): ColumnOptions => ({ name, type: 'double precision' });
export const json = (name: string, nullable = false): ColumnOptions => ({ name, type: 'simple-json', nullable });
export const uuidKey = { type: 'varchar', length: 36 } as const;
