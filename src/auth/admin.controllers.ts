import { Controller } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminCrudController } from './admin-crud.controller';
import { ProjectsService } from './projects.service';
import { RolesService } from './roles.service';
import {
  projectCreateSchema,
  projectEditSchema,
  roleCreateSchema,
  roleEditSchema,
  userCreateSchema,
  userEditSchema,
} from './schemas';
import { UsersService } from './users.service';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('osm/admin/v1/users')
export class UsersController extends AdminCrudController({
  topic: 'users',
  service: UsersService,
  createSchema: userCreateSchema.schema,
  editSchema: userEditSchema.schema,
}) {}

@ApiTags('admin')
@ApiBearerAuth()
@Controller('osm/admin/v1/projects')
export class ProjectsController extends AdminCrudController({
  topic: 'projects',
  service: ProjectsService,
  createSchema: projectCreateSchema.schema,
  editSchema: projectEditSchema.schema,
}) {}

@ApiTags('admin')
@ApiBearerAuth()
@Controller('osm/admin/v1/roles')
export class RolesController extends AdminCrudController({
  topic: 'roles',
  service: RolesService,
  createSchema: roleCreateSchema.schema,
  editSchema: roleEditSchema.schema,
}) {}
