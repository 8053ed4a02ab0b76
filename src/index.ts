/** Public API of the zonal package. */
export { type RunningZonal } from './server/start.js';
// For test suites: `startZonal({ ephemeral: true })` (README, "Testing your code against Zonal").
export { startZonal, type StartZonalOptions, type ZonalTestServer } from './testing/start-zonal.js';
export { DEFAULT_CONFIG, type ServerConfig } from './config.js';
export { S3Error } from './errors/s3-error.js';
export * from './client/index.js';
