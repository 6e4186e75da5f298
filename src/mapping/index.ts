export * from './schema.ts';
export * from './defaults.ts';
export * from './validate.ts';
export * from './readFields.ts';
export * from './spec.ts';
export * from './labels.ts';
