import { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AdminAccountEntity } from '../records/vim.entities';
import { deletePath, getPath, setPath } from '../common/object-paths';
import { AccountTopic } from './topics';

export const MASK = '********';

export interface AccountOperation {
  lcmOperationType: 'create' | 'edit' | 'delete';
  operationState: 'PROCESSING' | 'COMPLETED' | 'FAILED';
  startTime: number;
  statusEnteredTime: number;
  'detailed-status': string;
  operationParams: unknown;
}

export type AccountAdmin = {
  operationalState: 'PROCESSING' | 'ENABLED' | 'ERROR';
  'detailed-status': string;
  operations: AccountOperation[];
  current_operation: number | null;
  to_delete?: boolean;
};

export function adminOf(e: AdminAccountEntity): AccountAdmin {
  return e.record._admin as AccountAdmin;
}

/** Starts a new operation; one still PROCESSING is settled by the new one (only the latest is carried out). */
export function pushOperation(admin: AccountAdmin, op: AccountOperation): number {
  const index = admin.operations.length;
  for (const old of admin.operations) {
    if (old.operationState === 'PROCESSING') {
      old.operationState = 'COMPLETED';
      old.statusEnteredTime = op.startTime;
      old['detailed-status'] = `superseded by operation ${index}`;
    }
  }
  admin.operations.push(op);
  admin.current_operation = index;
  admin.operationalState = 'PROCESSING';
  return index;
}

export function newOperation(type: AccountOperation['lcmOperationType'], now: number, params: unknown = null): AccountOperation {
  return {
    lcmOperationType: type,
    operationState: 'PROCESSING',
    startTime: now,
    statusEnteredTime: now,
    'detailed-status': '',
    operationParams: params,
  };
}

/** The wire record: secrets masked, `_admin` completed from the columns. */
export function accountRecord(e: AdminAccountEntity, topic: AccountTopic, secretPaths: string[]): Record<string, unknown> {
  const out = structuredClone(e.record);
  for (const path of topic.secretPaths) if (secretPaths.includes(path)) setPath(out, path, MASK);
  return {
    _id: e.id,
    id: e.id,
    ...out,
    _admin: {
      ...(out._admin as object),
      created: e.created,
      modified: e.modified,
      projects_read: e.projectsRead,
      projects_write: e.projectsWrite,
    },
  };
}

/** Splits the secret fields out of a body (they are sealed separately). */
export function takeSecrets(
  body: Record<string, unknown>,
  topic: AccountTopic,
): { rest: Record<string, unknown>; secrets: Record<string, unknown> } {
  const rest = structuredClone(body);
  const secrets: Record<string, unknown> = {};
  for (const path of topic.secretPaths) {
    const value = getPath(rest, path);
    if (value === undefined) continue;
    secrets[path] = value;
    deletePath(rest, path);
  }
  return { rest, secrets };
}

/**
 * Writes an account read at `readModified` only if nobody wrote it since (a PATCH and the connectivity check of the
 * previous operation can interleave); false when someone did, and the caller reads again. `modified` always moves on.
 */
export async function writeIfUnchanged(
  repo: Repository<AdminAccountEntity>,
  account: AdminAccountEntity,
  readModified: number,
): Promise<boolean> {
  account.modified = Math.max(account.modified, readModified + 0.001);
  const { affected } = await repo
    .createQueryBuilder()
    .update(AdminAccountEntity)
    .set({
      name: account.name,
      // simple-json: TypeORM's deep-partial type does not fit an open record
      record: account.record as QueryDeepPartialEntity<Record<string, unknown>>,
      secrets: account.secrets,
      operationalState: account.operationalState,
      projectsRead: account.projectsRead,
      projectsWrite: account.projectsWrite,
      modified: account.modified,
    })
    .where('id = :id AND modified = :readModified', { id: account.id, readModified })
    .execute();
  return affected === 1;
}
