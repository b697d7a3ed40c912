import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProjectsController, RolesController, UsersController } from './admin.controllers';
import { AuthGuard } from './auth.guard';
import { AuthCache } from './auth-cache';
import { AuthService } from './auth.service';
import { Directory } from './directory';
import { ProjectEntity } from '../records/auth/project.entity';
import { RoleEntity } from '../records/auth/role.entity';
import { TokenEntity } from '../records/auth/token.entity';
import { UserEntity } from '../records/auth/user.entity';
import { LoginFailureEntity } from '../records/auth/login-failure.entity';
import { LoginThrottle } from './login-throttle';
import { ProjectsService } from './projects.service';
import { RolesService } from './roles.service';
import { SeedService } from './seed.service';
import { TokensController } from './tokens.controller';
import { TokensService } from './tokens.service';
import { UsersService } from './users.service';

/** OSM's admin scope: tokens, users, projects, roles, and the guard every other route passes. */
@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, ProjectEntity, RoleEntity, TokenEntity, LoginFailureEntity])],
  controllers: [TokensController, UsersController, ProjectsController, RolesController],
  providers: [
    AuthCache,
    AuthService,
    LoginThrottle,
    Directory,
    UsersService,
    ProjectsService,
    RolesService,
    TokensService,
    SeedService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthService, SeedService],
})
export class AuthModule {}
