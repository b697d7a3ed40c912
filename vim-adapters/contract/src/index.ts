export * from './errors';
export * from './resources';
export * from './vim-adapter';
export * from './faults';
export * from './url-policy';
export * from './remote-text';
export * from './values';
export * from './metrics';
