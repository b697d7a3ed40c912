import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { VimAdapter } from '../../vim-adapters/contract/src';
import { NsInstanceEntity, NsLcmOpOccEntity } from '../records/ns.entities';
import { NsInstancesService } from '../instances/ns-instances.service';
import { OpOccurrencesService } from '../instances/op-occurrences.service';
import { OperationRunner } from '../lcm/operation-runner';
import { SliceOwner, SliceSubnets, SubnetNsView, SubnetOpView } from '../lcm/slice-port';
import { AccountsService } from '../vims/accounts.service';
import { ownerSession } from './scope';

/** The slice engine's view of NSs and VIMs: the NS lifecycle as the API offers it, under the NSI's projects. */
@Injectable()
export class SliceSubnetsAdapter extends SliceSubnets {
  constructor(
    @InjectRepository(NsInstanceEntity) private readonly nss: Repository<NsInstanceEntity>,
    @InjectRepository(NsLcmOpOccEntity) private readonly ops: Repository<NsLcmOpOccEntity>,
    private readonly nsService: NsInstancesService,
    private readonly opOccs: OpOccurrencesService,
    private readonly accounts: AccountsService,
    private readonly runner: OperationRunner,
  ) {
    super();
  }

  adapter(vimAccountId: string): Promise<VimAdapter> {
    return this.accounts.adapterById(vimAccountId);
  }

  async ns(nsId: string): Promise<SubnetNsView | null> {
    const ns = await this.nss.findOne({ where: { id: nsId }, select: { id: true, nsState: true, resources: true } });
    return ns && { nsState: ns.nsState, instantiated: ns.nsState !== 'NOT_INSTANTIATED' || ns.resources.length > 0 };
  }

  async op(opId: string): Promise<SubnetOpView | null> {
    const op = await this.ops.findOne({
      where: { id: opId },
      select: { id: true, lcmOperationType: true, operationState: true, errorMessage: true },
    });
    return op && { type: op.lcmOperationType, state: op.operationState, error: op.errorMessage };
  }

  whenSettled(opId: string, maxMs: number): { done: Promise<void>; cancel(): void } {
    return this.runner.whenStopped(opId, maxMs);
  }

  async instantiate(owner: SliceOwner, nsId: string, opId: string, params: Record<string, unknown>): Promise<void> {
    if (await this.ops.existsBy({ id: opId })) return;
    await this.nsService.instantiate(ownerSession(owner), nsId, params, { opId });
  }

  async terminate(owner: SliceOwner, nsId: string, opId: string): Promise<void> {
    if (await this.ops.existsBy({ id: opId })) return;
    await this.nsService.terminate(ownerSession(owner), nsId, {}, undefined, { opId });
  }

  retry(owner: SliceOwner, opId: string): Promise<void> {
    return this.opOccs.retry(ownerSession(owner), opId);
  }

  rollback(owner: SliceOwner, opId: string): Promise<void> {
    return this.opOccs.rollback(ownerSession(owner), opId);
  }

  async remove(owner: SliceOwner, nsId: string): Promise<void> {
    if (!(await this.nss.existsBy({ id: nsId }))) return;
    await this.nsService.delete({ ...ownerSession(owner), force: true }, nsId);
  }
}
