/** Public API of the zonal package. */
export { startZonal, type RunningZonal } from './server/start.js';
export { DEFAULT_CONFIG, type ServerConfig } from './config.js';
export { S3Error } from './errors/s3-error.js';
export * from './client/index.js';
