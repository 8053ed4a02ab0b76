/**
 * Module hooks that append the URL of every ES module loaded to the file named by
 * ZONAL_TEST_MODULE_LOG (see module-log.ts): tests see what a process really loads.
 */
import fs from 'node:fs';

type NextLoad = (url: string, context: unknown) => Promise<unknown>;

export async function load(url: string, context: unknown, nextLoad: NextLoad): Promise<unknown> {
  const file = process.env['ZONAL_TEST_MODULE_LOG'];
  if (file !== undefined) fs.appendFileSync(file, url + '\n');
  return nextLoad(url, context);
}
