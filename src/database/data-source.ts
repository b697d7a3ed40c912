import { DataSource } from 'typeorm';
import { loadConfig } from '../config/env';
import { dataSourceOptions } from './options';

/** For the TypeORM CLI (`npm run migration:*`): the same options the service uses. */
export default new DataSource(dataSourceOptions(loadConfig()));
