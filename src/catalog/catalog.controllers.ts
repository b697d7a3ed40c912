import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentSession, Permission, Session } from '../auth/session';
import type { Query as ListQuery } from '../common/http/list-filters';
import { type OsmRequest, UploadBody } from '../common/http/request-body';
import { CatalogService, UploadInput } from './catalog.service';
import { DescriptorKind } from './descriptor-model/validation';

interface CatalogApi {
  kind: DescriptorKind;
  /** e.g. vnfpkgm */
  area: string;
  /** e.g. vnf_packages */
  topic: string;
  /** e.g. package_content */
  contentItem: string;
  /** OSM permission resource, e.g. vnfds */
  permission: string;
  /** SOL005 projection field names on the `topic` (not `_content`) views */
  projection?: {
    onboarding: string;
    operational: string;
    usage: string;
    links: (id: string) => Record<string, { href: string }>;
  };
}

function uploadInput(req: OsmRequest, query: ListQuery): UploadInput {
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  return {
    body: req.body,
    raw: req.rawBody ?? Buffer.alloc(0),
    bodyIsRaw: req.bodyIsRaw === true,
    contentType: (header('content-type') ?? '').split(';')[0].trim().toLowerCase(),
    md5: header('content-file-md5'),
    filename: header('content-filename'),
    query,
  };
}

/** Routes taking a package or descriptor: their body may be up to MANO_MAX_BODY_BYTES. */
const packageBody = applyDecorators(
  UploadBody(),
  ApiBody({
    description: 'An OSM .tar.gz package (application/gzip), a descriptor file (text/plain) or the descriptor as YAML/JSON',
  }),
);

/**
 * OSM's catalog endpoints for one kind: `<topic>_content` (one-step onboarding, raw records) and the
 * SOL005 `<topic>` views (create then upload, projections, descriptor, package and artifacts).
 */
function CatalogController(api: CatalogApi) {
  const { kind, permission: perm } = api;
  const base = `osm/${api.area}/v1`;
  const content = `${api.topic}_content`;
  const id = ApiParam({ name: 'id', description: '_id, or the descriptor id' });
  const project = (r: Record<string, unknown>): Record<string, unknown> => {
    if (!api.projection) return r;
    const admin = r._admin as Record<string, unknown>;
    return {
      ...r,
      [api.projection.onboarding]: admin.onboardingState,
      [api.projection.operational]: admin.operationalState,
      [api.projection.usage]: admin.usageState,
      _links: api.projection.links(String(r._id)),
    };
  };

  @ApiTags(api.area)
  @ApiBearerAuth()
  @Controller(base)
  class CatalogControllerImpl {
    constructor(readonly catalog: CatalogService) {}

    @Get(content)
    @Permission(`${perm}:get`)
    listContent(@CurrentSession() s: Session, @Query() q: ListQuery) {
      return this.catalog.list(kind, s, q);
    }

    @Post(content)
    @Permission(`${perm}:content:post`)
    @ApiOperation({ summary: `One-step onboarding: 201 {id}` })
    @ApiConsumes('application/gzip', 'text/plain', 'application/yaml', 'application/json')
    @packageBody
    async onboard(
      @CurrentSession() s: Session,
      @Req() req: OsmRequest,
      @Query() q: ListQuery,
      @Res({ passthrough: true }) res: Response,
    ) {
      const newId = await this.catalog.onboard(kind, s, uploadInput(req, q));
      res.status(201).setHeader('Location', `/${base}/${content}/${newId}`);
      return { id: newId };
    }

    @Get(`${content}/:id`)
    @Permission(`${perm}:id:get`)
    @id
    showContent(@CurrentSession() s: Session, @Param('id') ref: string) {
      return this.catalog.show(kind, s, ref);
    }

    @Put(`${content}/:id`)
    @HttpCode(204)
    @Permission(`${perm}:id:put`)
    @id
    @packageBody
    async replaceContent(@CurrentSession() s: Session, @Param('id') ref: string, @Req() req: OsmRequest, @Query() q: ListQuery) {
      await this.catalog.upload(kind, s, ref, uploadInput(req, q));
    }

    @Delete(`${content}/:id`)
    @HttpCode(204)
    @Permission(`${perm}:id:delete`)
    @id
    async removeContent(@CurrentSession() s: Session, @Param('id') ref: string) {
      await this.catalog.remove(kind, s, ref);
    }

    @Get(api.topic)
    @Permission(`${perm}:get`)
    async list(@CurrentSession() s: Session, @Query() q: ListQuery) {
      return (await this.catalog.list(kind, s, q)).map(project);
    }

    @Post(api.topic)
    @Permission(`${perm}:post`)
    @ApiOperation({ summary: 'SOL005 step one: an empty record (body: {userDefinedData}); then upload its content' })
    async create(@CurrentSession() s: Session, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
      const newId = await this.catalog.createEmpty(kind, s, body);
      res.status(201).setHeader('Location', `/${base}/${api.topic}/${newId}`);
      return { _id: newId, id: newId };
    }

    @Get(`${api.topic}/:id`)
    @Permission(`${perm}:id:get`)
    @id
    async show(@CurrentSession() s: Session, @Param('id') ref: string) {
      return project(await this.catalog.show(kind, s, ref));
    }

    @Patch(`${api.topic}/:id`)
    @HttpCode(204)
    @Permission(`${perm}:id:patch`)
    @id
    async patch(@CurrentSession() s: Session, @Param('id') ref: string, @Body() body: unknown) {
      await this.catalog.edit(kind, s, ref, body);
    }

    @Delete(`${api.topic}/:id`)
    @HttpCode(204)
    @Permission(`${perm}:id:delete`)
    @id
    async remove(@CurrentSession() s: Session, @Param('id') ref: string) {
      await this.catalog.remove(kind, s, ref);
    }

    @Get(`${api.topic}/:id/${api.contentItem}`)
    @Permission(`${perm}:id:content:get`)
    @id
    @ApiOperation({ summary: 'Download the package as uploaded' })
    async download(@CurrentSession() s: Session, @Param('id') ref: string) {
      const { content: bytes, contentType } = await this.catalog.packageContent(kind, s, ref);
      return new StreamableFile(bytes, { type: contentType, length: bytes.length });
    }

    @Put(`${api.topic}/:id/${api.contentItem}`)
    @HttpCode(204)
    @Permission(`${perm}:id:content:put`)
    @id
    @packageBody
    async uploadContent(@CurrentSession() s: Session, @Param('id') ref: string, @Req() req: OsmRequest, @Query() q: ListQuery) {
      await this.catalog.upload(kind, s, ref, uploadInput(req, q));
    }

    @Get(`${api.topic}/:id/${kind}`)
    @Permission(`${perm}:id:${kind}:get`)
    @id
    @ApiOperation({ summary: 'The descriptor file as uploaded (text/plain)' })
    async descriptor(@CurrentSession() s: Session, @Param('id') ref: string) {
      return new StreamableFile(Buffer.from(await this.catalog.descriptorText(kind, s, ref)), { type: 'text/plain' });
    }

    @Get([`${api.topic}/:id/artifacts`, `${api.topic}/:id/artifacts/*path`])
    @Permission(`${perm}:id:${kind}_artifact:get`)
    @id
    @ApiOperation({ summary: 'A file of the package, or the list of files under a folder' })
    async artifact(@CurrentSession() s: Session, @Param('id') ref: string, @Param('path') path?: string | string[]) {
      const rel = Array.isArray(path) ? path.join('/') : (path ?? '');
      const found = await this.catalog.artifact(kind, s, ref, rel);
      return 'file' in found ? new StreamableFile(found.file, { type: 'application/octet-stream' }) : found.listing;
    }
  }
  return CatalogControllerImpl;
}

export class VnfPackagesController extends CatalogController({
  kind: 'vnfd',
  area: 'vnfpkgm',
  topic: 'vnf_packages',
  contentItem: 'package_content',
  permission: 'vnfds',
  projection: {
    onboarding: 'onboardingState',
    operational: 'operationalState',
    usage: 'usageState',
    links: (id) => ({
      self: { href: `/vnfpkgm/v1/vnf_packages/${id}` },
      vnfd: { href: `/vnfpkgm/v1/vnf_packages/${id}/vnfd` },
      packageContent: { href: `/vnfpkgm/v1/vnf_packages/${id}/package_content` },
    }),
  },
}) {}

export class NsDescriptorsController extends CatalogController({
  kind: 'nsd',
  area: 'nsd',
  topic: 'ns_descriptors',
  contentItem: 'nsd_content',
  permission: 'nsds',
  projection: {
    onboarding: 'nsdOnboardingState',
    operational: 'nsdOperationalState',
    usage: 'nsdUsageState',
    links: (id) => ({
      self: { href: `/nsd/v1/ns_descriptors/${id}` },
      nsd_content: { href: `/nsd/v1/ns_descriptors/${id}/nsd_content` },
    }),
  },
}) {}

export class NetsliceTemplatesController extends CatalogController({
  kind: 'nst',
  area: 'nst',
  topic: 'netslice_templates',
  contentItem: 'nst_content',
  permission: 'slice_templates',
}) {}
