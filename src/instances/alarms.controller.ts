import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentSession, Permission, Session } from '../auth/session';
import { AlarmsService } from './alarms.service';

/** The alarms of an NS instance: VNFD `vdu[].alarm`s and the sides of its scaling criteria, with their states. */
@ApiTags('nslcm')
@ApiBearerAuth()
@Controller('osm/nslcm/v1/ns_instances/:id/alarms')
export class NsAlarmsController {
  constructor(private readonly alarms: AlarmsService) {}

  @Get()
  @Permission('ns_instances:id:get')
  @ApiOperation({ summary: 'Alarms of the NS (OK | ALARM | INSUFFICIENT_DATA, with the time of the last change)' })
  list(@CurrentSession() s: Session, @Param('id') id: string) {
    return this.alarms.list(s, id);
  }

  @Get(':alarmId')
  @Permission('ns_instances:id:get')
  @ApiOperation({ summary: 'One alarm of the NS' })
  show(@CurrentSession() s: Session, @Param('id') id: string, @Param('alarmId') alarmId: string) {
    return this.alarms.show(s, id, alarmId);
  }
}
