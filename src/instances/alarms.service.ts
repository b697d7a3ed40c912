import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Session } from '../auth/session';
import { DomainError } from '../common/errors/domain-error';
import { ProjectScope } from '../common/records/project-scope';
import { NsAlarmEntity } from '../records/monitoring.entities';
import { NsInstanceEntity } from '../records/ns.entities';

/** An alarm record as the API shows it (OSM-style names; webhook URLs with their refusal, if any). */
export function alarmRecord(a: NsAlarmEntity): Record<string, unknown> {
  return {
    _id: a.id,
    id: a.id,
    'alarm-id': a.alarmId,
    type: a.kind,
    name: a.definition.name,
    'ns-instance-id': a.nsInstanceId,
    'vnf-instance-id': a.vnfInstanceId,
    'member-vnf-index': a.memberVnfIndex,
    'vdu-id': a.vduId,
    'vnf-monitoring-param-ref': a.metric,
    operation: a.operation,
    value: a.threshold,
    severity: a.definition.severity ?? null,
    ...(a.definition['scaling-aspect']
      ? { 'scaling-aspect': a.definition['scaling-aspect'], 'scaling-policy': a.definition['scaling-policy'] }
      : {}),
    actions: a.definition.actions,
    state: a.state,
    'state-since': a.stateSince,
    'last-value': a.lastValue,
    _admin: { created: a.created, modified: a.modified, projects_read: a.projectsRead, projects_write: a.projectsWrite },
  };
}

/** The alarms of an NS instance (read-only: the closed loops create and move them), scoped like the NS. */
@Injectable()
export class AlarmsService {
  constructor(
    @InjectRepository(NsInstanceEntity) private readonly nss: Repository<NsInstanceEntity>,
    @InjectRepository(NsAlarmEntity) private readonly alarms: Repository<NsAlarmEntity>,
  ) {}

  async list(session: Session, nsId: string): Promise<Record<string, unknown>[]> {
    await this.readableNs(session, nsId);
    const rows = await this.alarms.find({ where: { nsInstanceId: nsId }, order: { memberVnfIndex: 'ASC', alarmId: 'ASC' } });
    return rows.map(alarmRecord);
  }

  async show(session: Session, nsId: string, alarmId: string): Promise<Record<string, unknown>> {
    await this.readableNs(session, nsId);
    const row = await this.alarms.findOneBy({ nsInstanceId: nsId, id: alarmId });
    if (!row) throw DomainError.notFound('ALARM.NOT_FOUND', `alarm '${alarmId}' not found in NS instance '${nsId}'`);
    return alarmRecord(row);
  }

  private async readableNs(session: Session, nsId: string): Promise<void> {
    const ns = await this.nss.findOne({ select: { id: true, projectsRead: true, projectsWrite: true }, where: { id: nsId } });
    if (!ns || !ProjectScope.of(session).canRead(ns))
      throw DomainError.notFound('NS_INSTANCE.NOT_FOUND', `NS instance '${nsId}' not found`);
  }
}
