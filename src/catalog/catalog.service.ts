import { NO_TX, Transactions } from '../database/transactions';
import { notifyCatalog } from '../records/outbox';
import { CatalogUsage } from './catalog-usage';
import { PackageFilesCache } from './package-files';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsSelect, In, Repository } from 'typeorm';
import type { Session } from '../auth/session';
import { DomainError, FieldProblem } from '../common/errors/domain-error';
import { applyListFilters, CONTROL_QUERY_KEYS, Query } from '../common/http/list-filters';
import { isUuid, newId, nowSeconds } from '../common/ids';
import { mergePatch, setPath } from '../common/object-paths';
import { ProjectScope } from '../common/records/project-scope';
import { APP_CONFIG, AppConfig } from '../config/env';
import { NsInstanceEntity } from '../records/ns.entities';
import { NsiEntity } from '../records/nsi.entities';
import { CatalogItemEntity } from '../records/catalog-item.entity';
import { nsdProblems, nstProblems, ReferenceContext, vnfdProblems } from './descriptor-model/cross-references';
import { Descriptor, DescriptorKind, schemaProblems } from './descriptor-model/validation';
import { unwrapDescriptor } from './package-reader/envelope';
import { translateVnfd } from './legacy/translate';
import { translateNsd } from './legacy/translate-nsd';
import { md5Hex, ReadPackage, readUpload } from './package-reader/upload';

export interface UploadInput {
  body: unknown;
  raw: Buffer;
  bodyIsRaw: boolean;
  contentType: string;
  md5?: string;
  filename?: string;
  query: Query;
}

/** Columns for listing and lookups: everything but the (large) package and descriptor text. */
const LIGHT: FindOptionsSelect<CatalogItemEntity> = {
  id: true,
  kind: true,
  descriptorId: true,
  projectsRead: true,
  projectsWrite: true,
  descriptor: true,
  admin: true,
  created: true,
  modified: true,
};

const TITLE: Record<DescriptorKind, string> = { vnfd: 'VNF package', nsd: 'NS descriptor', nst: 'network slice template' };

/**
 * Onboarding as OSM does it: packages are read within limits, descriptors validated against the
 * Release 9 model and cross-checked, and only then stored — a failed upload stores nothing.
 */
@Injectable()
export class CatalogService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(CatalogItemEntity) private readonly items: Repository<CatalogItemEntity>,
    @InjectRepository(NsInstanceEntity) private readonly nsInstances: Repository<NsInstanceEntity>,
    private readonly packages: PackageFilesCache,
    @InjectRepository(NsiEntity) private readonly nsis: Repository<NsiEntity>,
    private readonly tx: Transactions,
  ) {
    this.usage = new CatalogUsage(items, nsInstances, nsis);
  }

  private readonly usage: CatalogUsage;

  async list(kind: DescriptorKind, session: Session, query: Query): Promise<Record<string, unknown>[]> {
    const scope = ProjectScope.of(session);
    const rows = (await this.items.find({ select: LIGHT, where: { kind }, order: { created: 'ASC' } })).filter((r) =>
      scope.canList(r),
    );
    const inUse = await this.usage.idsInUse(kind);
    return applyListFilters(
      rows.map((r) => this.record(r, inUse)),
      query,
    );
  }

  async show(kind: DescriptorKind, session: Session, ref: string): Promise<Record<string, unknown>> {
    const item = await this.find(kind, session, ref, 'read');
    return this.record(item, await this.usage.idsInUse(kind));
  }

  /** SOL005 step one: an empty record (CREATED, DISABLED) with the caller's userDefinedData. */
  async createEmpty(kind: DescriptorKind, session: Session, body: unknown): Promise<string> {
    const input = (typeof body === 'object' && body !== null && !Buffer.isBuffer(body) ? body : {}) as Record<string, unknown>;
    const unknown = Object.keys(input).filter((k) => k !== 'userDefinedData');
    if (unknown.length) {
      throw DomainError.unprocessable(
        'REQUEST.INVALID_BODY',
        `Format error at '${unknown[0]}': only userDefinedData may be given here`,
        unknown.map((path) => ({ path, message: 'is not an allowed field' })),
      );
    }
    const id = newId();
    const now = nowSeconds();
    await this.items.insert({
      id,
      kind,
      descriptorId: null,
      ...ProjectScope.of(session).forNew(),
      descriptor: {},
      admin: {
        onboardingState: 'CREATED',
        operationalState: 'DISABLED',
        usageState: 'NOT_IN_USE',
        userDefinedData: input.userDefinedData ?? {},
        revision: 0,
        type: kind,
      },
      descriptorText: null,
      packageContent: null,
      packageContentType: null,
      created: now,
      modified: now,
    });
    return id;
  }

  /** One-step onboarding: the record appears only if the package is valid. */
  async onboard(kind: DescriptorKind, session: Session, input: UploadInput): Promise<string> {
    const prepared = await this.prepare(kind, session, input, undefined);
    const id = newId();
    const now = nowSeconds();
    const row = this.items.create({
      id,
      kind,
      created: now,
      modified: now,
      ...ProjectScope.of(session).forNew(),
      ...this.contentColumns(id, kind, prepared, { revision: 1, userDefinedData: {} }),
    });
    await this.tx.run(async (em) => {
      await em.insert(CatalogItemEntity, row as object);
      await notifyCatalog(em, 'OnBoarding', row);
    });
    return id;
  }

  /** SOL005 step two, and PUT of new content: replaces the content, revision + 1. */
  async upload(kind: DescriptorKind, session: Session, ref: string, input: UploadInput): Promise<void> {
    const item = await this.find(kind, session, ref, 'write');
    const prepared = await this.prepare(kind, session, input, item.id).catch(async (e: unknown) => {
      // SOL005: a failed upload into an existing package record is notified (nothing of it is stored)
      await this.tx.run((em) => notifyCatalog(em, 'OnboardingFailure', item, (e as Error).message));
      throw e;
    });
    const revision = Number(item.admin.revision ?? 0) + 1;
    Object.assign(
      item,
      this.contentColumns(item.id, kind, prepared, { revision, userDefinedData: item.admin.userDefinedData ?? {} }),
      { modified: nowSeconds() },
    );
    await this.tx.run(async (em) => {
      await em.save(item);
      await notifyCatalog(em, 'OnBoarding', item);
    });
  }

  /** PATCH: userDefinedData and operationalState (SOL005), sharing with SET_PROJECT, or descriptor fields (merged, validated again). */
  async edit(kind: DescriptorKind, session: Session, ref: string, body: unknown): Promise<void> {
    // only writers find it (404 otherwise, as OSM), sharing included
    const item = await this.find(kind, session, ref, 'write');
    const patch = (typeof body === 'object' && body !== null && !Buffer.isBuffer(body) ? body : {}) as Record<string, unknown>;
    const scope = ProjectScope.of(session);
    if (scope.setProject) {
      if (Object.keys(patch).length)
        throw DomainError.unprocessable(
          'REQUEST.INVALID_BODY',
          'Cannot edit content and set to project (query string SET_PROJECT) at same time',
        );
      // share: the projects become readers (OSM `SET_PROJECT`); they do not become writers
      item.projectsRead = scope.sharedWith(item).projectsRead;
    } else if (Object.keys(patch).length === 0) {
      throw DomainError.badRequest('REQUEST.NOTHING_TO_UPDATE', 'Nothing to update');
    }
    const { userDefinedData, operationalState, ...fields } = patch;
    if (userDefinedData !== undefined) {
      if (typeof userDefinedData !== 'object' || userDefinedData === null)
        throw DomainError.unprocessable('REQUEST.INVALID_BODY', "Format error at 'userDefinedData': must be an object");
      item.admin.userDefinedData = mergePatch(
        (item.admin.userDefinedData as Record<string, unknown>) ?? {},
        userDefinedData as Record<string, unknown>,
        'userDefinedData',
      );
    }
    if (operationalState !== undefined) {
      if (operationalState !== 'ENABLED' && operationalState !== 'DISABLED')
        throw DomainError.unprocessable(
          'REQUEST.INVALID_BODY',
          "Format error at 'operationalState': must be ENABLED or DISABLED",
        );
      item.admin.operationalState = operationalState;
    }
    if (Object.keys(fields).length) {
      const descriptor = mergePatch(item.descriptor, fields);
      const problems = session.force
        ? []
        : await this.problems(kind, session, descriptor, { files: new Set(), isPackage: false }, item.id);
      if (problems.length) throw invalid(kind, problems);
      item.descriptor = descriptor;
      item.descriptorId = descriptor.id === undefined ? null : String(descriptor.id);
    }
    item.modified = nowSeconds();
    const stateChanged = operationalState !== undefined;
    await this.tx.run(async (em) => {
      await em.save(item);
      if (stateChanged) await notifyCatalog(em, 'Change', item);
    });
  }

  async remove(kind: DescriptorKind, session: Session, ref: string): Promise<void> {
    const item = await this.find(kind, session, ref, 'delete');
    const scope = ProjectScope.of(session);
    const deletion = scope.deletion(item);
    if (deletion === 'unshare') {
      // shared: only this project's access goes (OSM)
      Object.assign(item, scope.withoutSession(item));
      await this.items.save(item, NO_TX);
      return;
    }
    if (deletion === 'denied')
      throw DomainError.unauthorized('You have not write permission to delete it', 'AUTH.PERMISSION_DENIED');
    if (!session.force && item.descriptorId) {
      const user = await this.usage.userOf(kind, item);
      if (user) throw DomainError.conflict(`${kind.toUpperCase()}.IN_USE`, user);
    }
    await this.tx.run(async (em) => {
      await notifyCatalog(em, 'Deletion', item);
      await em.delete(CatalogItemEntity, { id: item.id });
    });
  }

  async descriptorText(kind: DescriptorKind, session: Session, ref: string): Promise<string> {
    const item = await this.find(kind, session, ref, 'read');
    if (!item.descriptorText)
      throw DomainError.conflict(`${kind.toUpperCase()}.NOT_ONBOARDED`, `${TITLE[kind]} '${ref}' has no content yet`);
    return item.descriptorText;
  }

  async packageContent(kind: DescriptorKind, session: Session, ref: string): Promise<{ content: Buffer; contentType: string }> {
    const item = await this.find(kind, session, ref, 'read');
    if (!item.packageContent)
      throw DomainError.conflict(`${kind.toUpperCase()}.NOT_ONBOARDED`, `${TITLE[kind]} '${ref}' has no content yet`);
    return {
      content: Buffer.from(item.packageContent, 'base64'),
      contentType: item.packageContentType ?? 'application/octet-stream',
    };
  }

  /** A file of the package, or the listing of a folder (`''` = the package root). */
  async artifact(
    kind: DescriptorKind,
    session: Session,
    ref: string,
    path: string,
  ): Promise<{ file: Buffer } | { listing: string[] }> {
    // the record without its content: a cached package is not read from the database again
    const item = await this.find(kind, session, ref, 'read', LIGHT);
    const files = await this.packages.files(item, kind, () => this.items.findOneByOrFail({ id: item.id }));
    const clean = path.split('/').filter(Boolean).join('/');
    const file = files.get(clean);
    if (file) return { file };
    const prefix = clean ? `${clean}/` : '';
    const listing = [...files.keys()].filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
    if (!listing.length) throw DomainError.notFound('ARTIFACT.NOT_FOUND', `no artifact '${clean}' in ${TITLE[kind]} '${ref}'`);
    return { listing };
  }

  // ---- internals ----

  private limits() {
    return {
      maxUnpackedBytes: this.config.packageMaxUnpackedBytes,
      maxFiles: this.config.packageMaxFiles,
      maxRatio: this.config.packageMaxRatio,
    };
  }

  /** Everything that can fail, before anything is written. */
  private async prepare(kind: DescriptorKind, session: Session, input: UploadInput, selfId: string | undefined) {
    if (input.md5 && input.bodyIsRaw && md5Hex(input.raw) !== input.md5.trim().toLowerCase()) {
      throw DomainError.conflict('PACKAGE.MD5_MISMATCH', 'Error, MD5 mismatch');
    }
    const pkg = await readUpload(input, kind, this.limits(), this.config.packageChecksums, {
      requireManifest: this.config.csarRequireManifest,
      requireSignature: this.config.csarRequireSignature,
      trustDir: this.config.csarTrustDir,
    });
    const unwrapped = pkg.translated ? { descriptor: pkg.translated, legacy: false } : unwrapDescriptor(kind, pkg.document);
    let descriptor = unwrapped.descriptor;
    let legacy: { model: string; dropped: string[] } | undefined;
    if (unwrapped.legacy) {
      // Release 8 and older OSM model: translated to SOL006, every field accounted for
      const translation = kind === 'vnfd' ? translateVnfd(descriptor) : translateNsd(descriptor);
      if (translation.problems.length) {
        throw DomainError.unprocessable(
          `${kind.toUpperCase()}.UNTRANSLATABLE`,
          `this ${kind} uses the OSM information model of Release 8 or older; these fields cannot be translated: ${translation.problems.map((p) => p.path).join(', ')}`,
          translation.problems,
        );
      }
      descriptor = translation.descriptor;
      legacy = { model: 'OSM IM (Release 8 or older), translated to SOL006', dropped: translation.dropped };
    }
    // query-string values override descriptor fields, as in OSM (e.g. ?id=x)
    for (const [key, value] of Object.entries(input.query)) {
      if (!CONTROL_QUERY_KEYS.has(key)) setPath(descriptor, key, value);
    }
    if (descriptor.id === undefined || descriptor.id === null || String(descriptor.id) === '') {
      throw invalid(kind, [{ path: `${kind}.id`, message: 'is required' }]);
    }
    if (!session.force) {
      const problems = await this.problems(
        kind,
        session,
        descriptor,
        { files: new Set(pkg.files.keys()), isPackage: pkg.format !== 'descriptor' },
        selfId,
      );
      if (problems.length) throw invalid(kind, problems);
      await this.assertUniqueId(kind, session, String(descriptor.id), selfId);
    }
    return { pkg, descriptor, filename: input.filename, legacy };
  }

  private contentColumns(
    id: string,
    kind: DescriptorKind,
    prepared: { pkg: ReadPackage; descriptor: Descriptor; filename?: string; legacy?: { model: string; dropped: string[] } },
    keep: { revision: number; userDefinedData: unknown },
  ): Partial<CatalogItemEntity> {
    const { pkg, descriptor } = prepared;
    const defaultName = pkg.format === 'tar.gz' ? 'package.tar.gz' : pkg.format === 'csar' ? 'package.zip' : 'package';
    return {
      descriptorId: String(descriptor.id),
      descriptor,
      descriptorText: pkg.text || JSON.stringify(descriptor, null, 2),
      packageContent: pkg.raw.length
        ? pkg.raw.toString('base64')
        : Buffer.from(pkg.text || JSON.stringify(descriptor)).toString('base64'),
      packageContentType: pkg.format === 'tar.gz' ? 'application/gzip' : pkg.format === 'csar' ? 'application/zip' : 'text/plain',
      admin: {
        onboardingState: 'ONBOARDED',
        operationalState: 'ENABLED',
        usageState: 'NOT_IN_USE',
        userDefinedData: keep.userDefinedData,
        revision: keep.revision,
        type: kind,
        ...(prepared.legacy ? { legacy: prepared.legacy } : {}),
        ...(pkg.warnings.length ? { warnings: pkg.warnings } : {}),
        ...(pkg.admin ?? {}),
        storage: {
          fs: 'database',
          path: '',
          folder: id,
          'pkg-dir': pkg.pkgDir,
          descriptor: pkg.descriptorFile,
          zipfile: prepared.filename ?? defaultName,
        },
      },
    };
  }

  private async problems(
    kind: DescriptorKind,
    session: Session,
    descriptor: Descriptor,
    files: Pick<ReferenceContext, 'files' | 'isPackage'>,
    selfId?: string,
  ): Promise<FieldProblem[]> {
    const schema = schemaProblems(kind, descriptor);
    const lookups = await this.references(session, descriptor, selfId);
    const ctx: ReferenceContext = { ...files, ...lookups };
    const refs =
      kind === 'vnfd'
        ? vnfdProblems(descriptor, ctx)
        : kind === 'nsd'
          ? nsdProblems(descriptor, ctx)
          : nstProblems(descriptor, ctx);
    return [...schema, ...refs];
  }

  /** Onboarded VNFDs and NSDs the caller's projects can use, by descriptor id (only those the descriptor names). */
  private async references(
    session: Session,
    descriptor: Descriptor,
    selfId?: string,
  ): Promise<Pick<ReferenceContext, 'vnfd' | 'nsd'>> {
    const vnfdIds = Array.isArray(descriptor['vnfd-id']) ? descriptor['vnfd-id'].map(String) : [];
    const nsdIds = listOf(descriptor['netslice-subnet']).map((s) => String(s['nsd-ref']));
    const scope = ProjectScope.of(session);
    const load = async (kind: string, ids: string[]) => {
      if (!ids.length) return new Map<string, Descriptor>();
      const rows = await this.items.find({ select: LIGHT, where: { kind, descriptorId: In(ids) } });
      const usable = rows.filter((r) => r.id !== selfId && scope.canRead(r));
      return new Map(usable.map((r) => [r.descriptorId!, r.descriptor]));
    };
    const [vnfds, nsds] = await Promise.all([load('vnfd', vnfdIds), load('nsd', nsdIds)]);
    return { vnfd: (id) => vnfds.get(id), nsd: (id) => nsds.get(id) };
  }

  private async assertUniqueId(kind: DescriptorKind, session: Session, descriptorId: string, selfId?: string): Promise<void> {
    const same = await this.items.find({ select: LIGHT, where: { kind, descriptorId } });
    const scope = ProjectScope.of(session).withPublic(false);
    const clash = same.find((r) => r.id !== selfId && scope.canList(r));
    if (clash)
      throw DomainError.conflict(
        `${kind.toUpperCase()}.DUPLICATE`,
        `${kind} with id '${descriptorId}' already exists for this project`,
      );
  }

  private record(e: CatalogItemEntity, inUse: Set<string>): Record<string, unknown> {
    // SOL006 VNFDs have product-name, no name; clients of OSM Release 8 find packages by name
    const name =
      e.kind === 'vnfd' && e.descriptor.name === undefined && e.descriptor['product-name'] !== undefined
        ? { name: e.descriptor['product-name'] }
        : {};
    return {
      ...e.descriptor,
      ...name,
      _id: e.id,
      _admin: {
        ...e.admin,
        usageState: e.descriptorId && inUse.has(e.descriptorId) ? 'IN_USE' : 'NOT_IN_USE',
        created: e.created,
        modified: e.modified,
        projects_read: e.projectsRead,
        projects_write: e.projectsWrite,
      },
    };
  }

  private async find(
    kind: DescriptorKind,
    session: Session,
    ref: string,
    action: 'read' | 'write' | 'delete',
    select?: FindOptionsSelect<CatalogItemEntity>,
  ): Promise<CatalogItemEntity> {
    const candidates = isUuid(ref) ? await this.items.find({ select, where: { kind, id: ref } }) : [];
    const byDescriptor = candidates.length ? [] : await this.items.find({ select, where: { kind, descriptorId: ref } });
    const scope = ProjectScope.of(session);
    const visible = [...candidates, ...byDescriptor].filter((r) => scope.can(action, r));
    if (visible.length === 0) throw DomainError.notFound(`${kind.toUpperCase()}.NOT_FOUND`, `${TITLE[kind]} '${ref}' not found`);
    if (visible.length > 1)
      throw DomainError.conflict(`${kind.toUpperCase()}.AMBIGUOUS`, `several ${TITLE[kind]}s have id '${ref}'; use the _id`);
    return visible[0];
  }
}

function invalid(kind: DescriptorKind, problems: FieldProblem[]): DomainError {
  return DomainError.invalidFields(`${kind.toUpperCase()}.INVALID_DESCRIPTOR`, problems, `Invalid ${kind}: `);
}

const listOf = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? (v as Record<string, unknown>[]) : []);
