import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { applyListFilters, Query } from '../common/http/list-filters';
import { newId, nowSeconds } from '../common/ids';
import { assertNotUuid, Directory } from './directory';
import { RoleEntity } from '../records/auth/role.entity';
import { firstEscalation, grantsAdmin, Permissions, PROTECTED_ROLES, SYSTEM_ROLES } from './permissions';
import { OsmRecord, roleRecord } from './records';
import { roleCreateSchema, roleEditSchema } from './schemas';
import { Session } from './session';
import { duplicateAs } from './users.service';
import { NO_TX } from '../database/transactions';

@Injectable()
export class RolesService {
  constructor(private readonly dir: Directory) {}

  /** Without the roles permission only roles the caller holds show (OSM bug 853). */
  async list(session: Session, query: Query): Promise<OsmRecord[]> {
    let roles = await this.dir.roles.find({ order: { created: 'ASC' } });
    if (!session.allowShowUserProjectRole) {
      const mine = await this.ownRoleIds(session);
      roles = roles.filter((r) => mine.has(r.id));
    }
    return applyListFilters(roles.map(roleRecord), query);
  }

  async show(session: Session, ref: string): Promise<OsmRecord> {
    return roleRecord(await this.visible(session, ref));
  }

  async create(session: Session, body: unknown): Promise<string> {
    const input = roleCreateSchema.validate(body);
    assertNotUuid(input.name, 'role');
    await this.assertMayGrant(session, undefined, input.permissions ?? {});
    await this.dir.assertNameFree(this.dir.roles, { name: input.name }, 'role');
    const now = nowSeconds();
    const role = this.dir.roles.create({
      id: newId(),
      name: input.name,
      permissions: input.permissions ?? {},
      created: now,
      modified: now,
    });
    await this.dir.roles.insert(role).catch(duplicateAs('role', input.name));
    return role.id;
  }

  async edit(session: Session, ref: string, body: unknown): Promise<void> {
    const input = roleEditSchema.validate(body);
    const role = await this.visible(session, ref);
    this.assertMayChange(session, role);
    if (input.name !== undefined && input.name !== role.name) {
      assertNotUuid(input.name, 'role');
      if (PROTECTED_ROLES.includes(role.name)) {
        throw new DomainError(403, 'ROLE.PROTECTED', `You cannot rename role '${role.name}'`);
      }
      await this.dir.assertNameFree(this.dir.roles, { name: input.name }, 'role');
      role.name = input.name;
    }
    if (input.permissions) {
      const permissions = { ...role.permissions };
      for (const [key, value] of Object.entries(input.permissions)) {
        if (value === null) delete permissions[key];
        else permissions[key] = value;
      }
      await this.assertMayGrant(session, role.id, permissions);
      role.permissions = permissions;
    }
    role.modified = nowSeconds();
    await this.dir.roles.save(role, NO_TX).catch(duplicateAs('role', role.name));
  }

  async remove(session: Session, ref: string): Promise<void> {
    const role = await this.visible(session, ref);
    this.assertMayChange(session, role);
    if (PROTECTED_ROLES.includes(role.name)) {
      throw new DomainError(403, 'ROLE.PROTECTED', `You cannot delete role '${role.name}'`);
    }
    if (!session.force) {
      const user = (await this.dir.users.find()).find((u) => u.mappings.some((m) => m.role === role.id));
      if (user) {
        throw DomainError.conflict('ROLE.IN_USE', `Role '${role.name}' (${role.id}) is being used by user '${user.username}'`);
      }
    }
    await this.dir.roles.delete({ id: role.id });
  }

  /** The seeded system roles are changed (renamed, edited, deleted) by system administrators only. */
  private assertMayChange(session: Session, role: RoleEntity): void {
    if (!session.isAdmin && SYSTEM_ROLES.includes(role.name)) {
      throw new DomainError(403, 'ROLE.PROTECTED', `Only a system administrator may change system role '${role.name}'`);
    }
  }

  /**
   * Below system administrators, nobody grants `admin` powers, nor gives a role they hold a permission they do
   * not have (an account manager cannot raise itself).
   */
  private async assertMayGrant(session: Session, roleId: string | undefined, permissions: Permissions): Promise<void> {
    if (session.isAdmin) return;
    if (grantsAdmin(permissions)) {
      throw new DomainError(403, 'ROLE.ESCALATION', "Only a system administrator may grant 'admin' permissions");
    }
    if (roleId === undefined || !(await this.ownRoleIds(session)).has(roleId)) return;
    const roles = await this.dir.roleMap();
    const held = session.roles.map((r) => roles.get(r.id)?.permissions ?? {});
    const beyond = firstEscalation(permissions, held);
    if (beyond !== undefined) {
      throw new DomainError(403, 'ROLE.ESCALATION', `You cannot give a role you hold the permission '${beyond}' you do not have`);
    }
  }

  private async visible(session: Session, ref: string): Promise<RoleEntity> {
    const role = await this.dir.findRole(ref);
    if (!role || (!session.allowShowUserProjectRole && !(await this.ownRoleIds(session)).has(role.id))) {
      throw DomainError.notFound('ROLE.NOT_FOUND', `Role '${ref}' not found`);
    }
    return role;
  }

  private async ownRoleIds(session: Session): Promise<Set<string>> {
    const me = await this.dir.users.findOneBy({ id: session.userId });
    return new Set((me?.mappings ?? []).map((m) => m.role).filter((r): r is string => !!r));
  }
}
