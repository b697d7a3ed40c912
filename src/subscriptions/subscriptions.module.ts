import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecretVault } from '../common/security/secret-vault';
import { NOTIFICATION_ENTITIES } from '../records/notification.entities';
import { EventsController } from './events.controller';
import { NotificationWorker } from './notification-worker';
import { SUBSCRIPTION_CONTROLLERS } from './subscriptions.controllers';
import { SubscriptionsService } from './subscriptions.service';

/** SOL005 subscriptions, the delivery of the outbox to their callbacks, and the live event stream. */
@Module({
  imports: [TypeOrmModule.forFeature(NOTIFICATION_ENTITIES)],
  controllers: [...SUBSCRIPTION_CONTROLLERS, EventsController],
  providers: [SubscriptionsService, NotificationWorker, SecretVault],
  exports: [NotificationWorker],
})
export class SubscriptionsModule {}
