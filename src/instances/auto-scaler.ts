import { Injectable } from '@nestjs/common';
import { AutoScaleRequest, AutoScaler } from '../monitoring/ports';
import { NsInstancesService } from './ns-instances.service';

/** The closed loops' way to scale: the same path as POST ns_instances/{id}/scale, marked automatic. */
@Injectable()
export class NsAutoScaler extends AutoScaler {
  constructor(private readonly ns: NsInstancesService) {
    super();
  }

  async scale(r: AutoScaleRequest): Promise<string> {
    const { opId } = await this.ns.scaleNs(await this.ns.nsById(r.nsId), {
      scaleType: 'SCALE_VNF',
      scaleVnfData: {
        scaleVnfType: r.direction,
        scaleByStepData: { 'scaling-group-descriptor': r.aspect, 'member-vnf-index': r.member, 'scaling-policy': r.policy },
      },
      isAutomaticInvocation: true,
    });
    return opId;
  }
}
