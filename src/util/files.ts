import fs from 'node:fs';
import path from 'node:path';

/** Reads a JSON file, or undefined when it does not exist. */
export function readJsonFile<T>(file: string): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    // Name the file: "Unexpected end of JSON input" alone does not tell an operator which one.
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Writes a secret file atomically and durably (temp + fsync + rename + directory fsync),
 * readable only by its owner. Without the fsyncs a crash or a failing disk soon after can
 * leave the new name pointing at an empty file, and the server then cannot start.
 */
export function writeSecretJsonFile(file: string, value: unknown): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeFileSync(fd, JSON.stringify(value, null, 2) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  if (process.platform !== 'win32') {
    const dirFd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
  }
}
