/**
 * Loaded with `--import` (NODE_OPTIONS) into a child process: registers module-log-hooks.ts,
 * which lists every ES module the process loads in the file named by ZONAL_TEST_MODULE_LOG.
 */
import { register } from 'node:module';

register('./module-log-hooks.js', import.meta.url);
