import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentSession, Permission, Session } from '../auth/session';
import { DomainError } from '../common/errors/domain-error';
import type { Query as ListQuery } from '../common/http/list-filters';
import { cancelSchema } from '../instances/params';
import { NsiOpsService } from './nsi-ops.service';
import { NsiService } from './nsi.service';
import { nsiInstantiateSchema, nsiTerminateSchema } from './params';

const BASE = 'osm/nsilcm/v1';
const opLocation = (res: Response, opId: string) => res.setHeader('Location', `/${BASE}/nsi_lcm_op_occs/${opId}`);

/** OSM `nsilcm/v1`: network slice instances and their operations. */
@ApiTags('nsilcm')
@ApiBearerAuth()
@Controller(BASE)
export class NsiLcmController {
  constructor(
    private readonly nsi: NsiService,
    private readonly ops: NsiOpsService,
  ) {}

  @Get(['netslice_instances_content', 'netslice_instances'])
  @Permission('slice_instances:get')
  list(@CurrentSession() s: Session, @Query() q: ListQuery) {
    return this.nsi.list(s, q);
  }

  @Post('netslice_instances_content')
  @Permission('slice_instances:post')
  @ApiOperation({ summary: 'Create and instantiate (what `osm nsi-create` calls): 201 {id, nsilcmop_id}' })
  @ApiBody({ schema: nsiInstantiateSchema.schema })
  async createAndInstantiate(@CurrentSession() s: Session, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const { id, opId } = await this.nsi.createAndInstantiate(s, body);
    res.status(201).setHeader('Location', `/${BASE}/netslice_instances_content/${id}`);
    return { id, nsilcmop_id: opId };
  }

  @Post('netslice_instances')
  @Permission('slice_instances:post')
  @ApiOperation({ summary: 'An NSI record (NOT_INSTANTIATED) with one NS record per netslice-subnet: 201 {id}' })
  @ApiBody({ schema: nsiInstantiateSchema.schema })
  async create(@CurrentSession() s: Session, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const { id } = await this.nsi.create(s, body);
    res.status(201).setHeader('Location', `/${BASE}/netslice_instances/${id}`);
    return { _id: id, id };
  }

  @Get(['netslice_instances_content/:id', 'netslice_instances/:id'])
  @Permission('slice_instances:id:get')
  show(@CurrentSession() s: Session, @Param('id') id: string) {
    return this.nsi.show(s, id);
  }

  @Delete('netslice_instances_content/:id')
  @HttpCode(202)
  @Permission('slice_instances:id:delete')
  @ApiOperation({ summary: 'Terminate with autoremove (202 {_id: opId}), or 204 when not instantiated' })
  async deleteContent(@CurrentSession() s: Session, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    const opId = await this.nsi.deleteContent(s, id);
    if (!opId) return void res.status(204);
    opLocation(res, opId);
    return { _id: opId };
  }

  @Delete('netslice_instances/:id')
  @HttpCode(204)
  @Permission('slice_instances:id:delete')
  @ApiOperation({ summary: '204 when not instantiated; 409 otherwise (FORCE: terminate with autoremove, 202)' })
  async delete(@CurrentSession() s: Session, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    const opId = await this.nsi.delete(s, id);
    if (!opId) return;
    res.status(202);
    opLocation(res, opId);
    return { _id: opId };
  }

  @Post('netslice_instances/:id/instantiate')
  @HttpCode(202)
  @Permission('slice_instances:id:instantiate:post')
  @ApiBody({ schema: nsiInstantiateSchema.schema })
  async instantiate(
    @CurrentSession() s: Session,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const opId = await this.nsi.instantiate(s, id, body);
    opLocation(res, opId);
    return { id: opId };
  }

  @Post('netslice_instances/:id/terminate')
  @HttpCode(202)
  @Permission('slice_instances:id:terminate:post')
  @ApiBody({ schema: nsiTerminateSchema.schema })
  async terminate(
    @CurrentSession() s: Session,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const opId = await this.nsi.terminate(s, id, body);
    if (!opId) return void res.status(204);
    opLocation(res, opId);
    return { id: opId };
  }

  /**
   * As OSM Release 8: its NsiLcmOpTopic has no `action` operation (`operation_schema` knows instantiate and
   * terminate only), so its lookup fails with KeyError('action'), which OSM's NBI answers 400 BAD_REQUEST with
   * detail `'action'` — before it looks at the NSI, whatever the id. Day-2 primitives run on the subnet NSs.
   */
  @Post('netslice_instances/:id/action')
  @Permission('slice_instances:id:action:post')
  @ApiOperation({
    summary:
      "As OSM R8: 400 BAD_REQUEST `'action'` (no slice action; run primitives on the subnet NSs' ns_instances/{id}/action)",
  })
  action(): never {
    throw DomainError.badRequest(
      'NSI.NO_ACTION',
      "'action': a network slice instance has no action operation (as in OSM Release 8); run the primitive on the " +
        "subnet NS (nslcm/v1/ns_instances/{nsrId}/action, its id is in the NSI's nsr-ref-list)",
    );
  }

  @Get('nsi_lcm_op_occs')
  @Permission('slice_instances:opps:get')
  listOps(@CurrentSession() s: Session, @Query() q: ListQuery) {
    return this.nsi.listOps(s, q);
  }

  @Get('nsi_lcm_op_occs/:id')
  @Permission('slice_instances:opps:id:get')
  showOp(@CurrentSession() s: Session, @Param('id') id: string) {
    return this.nsi.showOp(s, id);
  }

  @Post('nsi_lcm_op_occs/:id/retry')
  @HttpCode(202)
  @Permission('slice_instances:opps:id:retry:post')
  @ApiOperation({
    summary: 'Retry a FAILED_TEMP slice operation: only unfinished steps run (failed subnet NS operations are retried)',
  })
  async retry(@CurrentSession() s: Session, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    await this.ops.retry(s, id);
    opLocation(res, id);
  }

  @Post('nsi_lcm_op_occs/:id/rollback')
  @HttpCode(202)
  @Permission('slice_instances:opps:id:rollback:post')
  @ApiOperation({ summary: 'Roll back a FAILED_TEMP instantiation: removes what it created, nothing another slice still uses' })
  async rollback(@CurrentSession() s: Session, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    await this.ops.rollback(s, id);
    opLocation(res, id);
  }

  @Post('nsi_lcm_op_occs/:id/fail')
  @HttpCode(200)
  @Permission('slice_instances:opps:id:fail:post')
  fail(@CurrentSession() s: Session, @Param('id') id: string) {
    return this.ops.fail(s, id);
  }

  @Post('nsi_lcm_op_occs/:id/cancel')
  @HttpCode(202)
  @Permission('slice_instances:opps:id:cancel:post')
  @ApiBody({ schema: cancelSchema.schema })
  async cancel(
    @CurrentSession() s: Session,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.ops.cancel(s, id, body);
    opLocation(res, id);
  }
}
