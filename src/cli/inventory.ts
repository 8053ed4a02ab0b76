import { parseArgs } from 'node:util';
import { zonalConnectionFromEnv } from '../client/environment.js';
import { adminRequest } from './admin-request.js';
import { CONNECTION_USAGE, describeError } from './session.js';

export const INVENTORY_USAGE = `Usage: zonal inventory run [--bucket <name>] [--id <configuration id>] [options]

  run                  write the inventory reports of enabled configurations now, due or not
                       (root credentials); prints one line per report: bucket, id, manifest key

${CONNECTION_USAGE}`;

/** `zonal inventory run`; returns the exit code. */
export async function inventory(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
    console.log(INVENTORY_USAGE);
    return subcommand === undefined ? 1 : 0;
  }
  if (subcommand !== 'run') {
    console.error(`unknown inventory command: ${subcommand}\n\n${INVENTORY_USAGE}`);
    return 1;
  }
  try {
    const { values } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        endpoint: { type: 'string' },
        region: { type: 'string' },
        bucket: { type: 'string' },
        id: { type: 'string' },
      },
    });
    const connection = zonalConnectionFromEnv(process.env, values);
    const only = {
      ...(values.bucket === undefined ? {} : { bucket: values.bucket }),
      ...(values.id === undefined ? {} : { id: values.id }),
    };
    const result = (await adminRequest(connection, 'POST', '/_zonal/inventory/run', only)) as {
      reports: { bucket: string; id: string; manifestKey: string; objects: number }[];
    };
    for (const r of result.reports)
      console.log(`${r.bucket} ${r.id} ${r.manifestKey} (${r.objects} objects)`);
    if (result.reports.length === 0) console.log('no report written');
    return 0;
  } catch (err) {
    console.error(`zonal inventory ${subcommand}: ${describeError(err)}`);
    return 1;
  }
}
