import { All, Controller } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PublicRoute } from '../auth/session';
import { DomainError } from '../common/errors/domain-error';

/** OSM's TODO URLs answer 501, as OSM's NBI does (not 405: they are known, just not implemented). */
@ApiExcludeController()
@Controller('osm')
export class NotImplementedController {
  @All(['vnfpkgm/v1/vnf_packages/:id/package_content/upload_from_uri', 'nsd/v1/pnf_descriptors', 'nsd/v1/pnf_descriptors/*rest'])
  @PublicRoute()
  notImplemented(): never {
    throw new DomainError(501, 'REQUEST.NOT_IMPLEMENTED', 'This OSM operation is not implemented');
  }
}
