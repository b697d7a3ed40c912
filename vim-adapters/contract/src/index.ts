export * from './errors';
export * from './resources';
export * from './vim-adapter';
export * from './faults';
