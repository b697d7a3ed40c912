import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentSession, Permission, Session } from '../auth/session';
import { DomainError } from '../common/errors/domain-error';
import type { Query as ListQuery } from '../common/http/list-filters';
import { NsInstancesService } from './ns-instances.service';
import { OpOccurrencesService } from './op-occurrences.service';
import { NsHealService } from './ns-heal.service';
import { actionSchema, cancelSchema, healSchema, instantiateSchema, scaleSchema } from './params';

const BASE = 'osm/nslcm/v1';
const opLocation = (res: Response, opId: string) => res.setHeader('Location', `/${BASE}/ns_lcm_op_occs/${opId}`);

/** OSM `nslcm/v1`: NS instances (create, instantiate, terminate, delete), their operations and VNF records. */
@ApiTags('nslcm')
@ApiBearerAuth()
@Controller(BASE)
export class NsLcmController {
  constructor(
    private readonly ns: NsInstancesService,
    private readonly opOccs: OpOccurrencesService,
    private readonly healing: NsHealService,
  ) {}

  @Get(['ns_instances_content', 'ns_instances'])
  @Permission('ns_instances:get')
  list(@CurrentSession() s: Session, @Query() q: ListQuery) {
    return this.ns.list(s, q);
  }

  @Post('ns_instances_content')
  @Permission('ns_instances:content:post')
  @ApiOperation({ summary: 'Create and instantiate (what `osm ns-create` calls): 201 {id, nslcmop_id, nsName}' })
  @ApiBody({ schema: instantiateSchema.schema })
  async createAndInstantiate(@CurrentSession() s: Session, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const { id, opId, name } = await this.ns.createAndInstantiate(s, body);
    res.status(201).setHeader('Location', `/${BASE}/ns_instances_content/${id}`);
    return { id, nslcmop_id: opId, nsName: name };
  }

  @Post('ns_instances')
  @Permission('ns_instances:post')
  @ApiOperation({ summary: 'SOL005 step one: an NS record, NOT_INSTANTIATED' })
  @ApiBody({ schema: instantiateSchema.schema })
  async create(@CurrentSession() s: Session, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const { id } = await this.ns.create(s, body);
    res.status(201).setHeader('Location', `/${BASE}/ns_instances/${id}`);
    return { _id: id, id };
  }

  @Get(['ns_instances_content/:id', 'ns_instances/:id'])
  @Permission('ns_instances:id:get')
  show(@CurrentSession() s: Session, @Param('id') id: string) {
    return this.ns.show(s, id);
  }

  @Delete('ns_instances_content/:id')
  @HttpCode(202)
  @Permission('ns_instances:id:delete')
  @ApiOperation({ summary: 'Terminate with autoremove (202 {_id: opId, nsName}), or 204 when not instantiated' })
  async deleteContent(@CurrentSession() s: Session, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    const op = await this.ns.deleteContent(s, id);
    if (!op) return void res.status(204);
    opLocation(res, op.opId);
    return { _id: op.opId, nsName: op.name };
  }

  @Delete('ns_instances/:id')
  @HttpCode(204)
  @Permission('ns_instances:id:delete')
  @ApiOperation({ summary: '204 when not instantiated; 409 otherwise (FORCE: terminate and remove, 202)' })
  async delete(@CurrentSession() s: Session, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    const op = await this.ns.delete(s, id);
    if (!op) return;
    res.status(202);
    opLocation(res, op.opId);
    return { _id: op.opId, nsName: op.name };
  }

  @Post('ns_instances/:id/instantiate')
  @HttpCode(202)
  @Permission('ns_instances:id:instantiate:post')
  @ApiBody({ schema: instantiateSchema.schema })
  @ApiQuery({
    name: 'dryRun',
    required: false,
    description: 'true: 200 with the placement and the resources per VIM, nothing created',
  })
  async instantiate(
    @CurrentSession() s: Session,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
    @Query('dryRun') dryRun?: string,
  ) {
    // dry run: the placement and the resources per VIM, 200, nothing created
    if (dryRun === 'true') {
      res.status(200);
      return this.ns.dryRun(s, id, body);
    }
    const opId = await this.ns.instantiate(s, id, body);
    opLocation(res, opId);
    return { id: opId, nsName: (await this.ns.show(s, id)).name };
  }

  @Post('ns_instances/:id/terminate')
  @HttpCode(202)
  @Permission('ns_instances:id:terminate:post')
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        autoremove: { type: 'boolean' },
        timeout_ns_terminate: { type: 'integer' },
        skip_terminate_primitives: { type: 'boolean' },
      },
    },
  })
  async terminate(
    @CurrentSession() s: Session,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { opId, name } = await this.ns.terminate(s, id, body);
    opLocation(res, opId);
    return { id: opId, nsName: name };
  }

  @Post('ns_instances/:id/scale')
  @HttpCode(202)
  @Permission('ns_instances:id:scale:post')
  @ApiOperation({ summary: 'One step of a VNF scaling aspect out or in (OSM `osm vnf-scale`): 202 {id: opId}' })
  @ApiBody({ schema: scaleSchema.schema })
  async scale(
    @CurrentSession() s: Session,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { opId, name } = await this.ns.scale(s, id, body);
    opLocation(res, opId);
    return { id: opId, nsName: name };
  }

  @Post('ns_instances/:id/action')
  @HttpCode(202)
  @Permission('ns_instances:id:action:post')
  @ApiOperation({ summary: 'A day-2 primitive (script execution environments): 202 {id: opId}; output on the operation' })
  @ApiBody({ schema: actionSchema.schema })
  async action(
    @CurrentSession() s: Session,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { opId, name } = await this.ns.action(s, id, body);
    opLocation(res, opId);
    return { id: opId, nsName: name };
  }

  @Post('ns_instances/:id/heal')
  @HttpCode(202)
  @Permission('ns_instances:id:heal:post')
  @ApiOperation({
    summary: 'Rebuild VDU instances (OSM R11+ `healVnfData`), day-1 again when `run-day1`: 202 {id: opId}',
  })
  @ApiBody({ schema: healSchema.schema })
  async heal(
    @CurrentSession() s: Session,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { opId, name } = await this.healing.heal(s, id, body);
    opLocation(res, opId);
    return { id: opId, nsName: name };
  }

  @Post(['ns_instances/:id/update', 'ns_instances/:id/migrate'])
  @Permission('ns_instances:id:action:post')
  @ApiOperation({ summary: 'Not implemented yet (501)' })
  notYet(): never {
    throw new DomainError(501, 'LCM.NOT_IMPLEMENTED', 'This NS operation is not implemented yet');
  }

  @Get('ns_lcm_op_occs')
  @Permission('ns_instances:opps:get')
  listOps(@CurrentSession() s: Session, @Query() q: ListQuery) {
    return this.ns.listOps(s, q);
  }

  @Get('ns_lcm_op_occs/:id')
  @Permission('ns_instances:opps:id:get')
  showOp(@CurrentSession() s: Session, @Param('id') id: string) {
    return this.ns.showOp(s, id);
  }

  @Post('ns_lcm_op_occs/:id/retry')
  @HttpCode(202)
  @Permission('ns_instances:opps:id:retry:post')
  @ApiOperation({
    summary: 'SOL005 retry of a FAILED_TEMP operation: resumes it, skipping completed steps (409 in any other state)',
  })
  async retry(@CurrentSession() s: Session, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    await this.opOccs.retry(s, id);
    opLocation(res, id);
  }

  @Post('ns_lcm_op_occs/:id/rollback')
  @HttpCode(202)
  @Permission('ns_instances:opps:id:rollback:post')
  @ApiOperation({ summary: 'SOL005 rollback of a FAILED_TEMP instantiate or scale: removes what it created (ROLLED_BACK)' })
  async rollback(@CurrentSession() s: Session, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    await this.opOccs.rollback(s, id);
    opLocation(res, id);
  }

  @Post('ns_lcm_op_occs/:id/fail')
  @HttpCode(200)
  @Permission('ns_instances:opps:id:fail:post')
  @ApiOperation({ summary: 'SOL005 fail: a FAILED_TEMP operation becomes FAILED (final); answers the operation' })
  fail(@CurrentSession() s: Session, @Param('id') id: string) {
    return this.opOccs.fail(s, id);
  }

  @Post('ns_lcm_op_occs/:id/cancel')
  @HttpCode(202)
  @Permission('ns_instances:opps:id:cancel:post')
  @ApiOperation({ summary: 'Cancel a running operation (`cancelMode` GRACEFUL or FORCEFUL); it then ends FAILED_TEMP' })
  @ApiBody({ schema: cancelSchema.schema })
  async cancel(
    @CurrentSession() s: Session,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.opOccs.cancel(s, id, body);
    opLocation(res, id);
  }

  @Get(['vnf_instances', 'vnfrs'])
  @Permission('vnf_instances:get')
  listVnfs(@CurrentSession() s: Session, @Query() q: ListQuery) {
    return this.ns.listVnfs(s, q);
  }

  @Get(['vnf_instances/:id', 'vnfrs/:id'])
  @Permission('vnf_instances:id:get')
  showVnf(@CurrentSession() s: Session, @Param('id') id: string) {
    return this.ns.showVnf(s, id);
  }
}
