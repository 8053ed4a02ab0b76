import { PutObjectCommand } from '@aws-sdk/client-s3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { nginxRoot } from '../servers/nginx.js';
import type { S3Target } from './s3-targets.js';

/** Object sizes the GET and PUT scenarios use. */
export const SIZES = { '4k': 4 * 1024, '64k': 64 * 1024, '1m': 1024 * 1024 } as const;
export type SizeName = keyof typeof SIZES;

export const SIZE_LABEL: Record<SizeName, string> = { '4k': '4 KiB', '64k': '64 KiB', '1m': '1 MiB' };

/** Distinct keys per size: many small objects, fewer big ones (the 1 MiB set is 64 MiB). */
export const KEY_COUNT: Record<SizeName, number> = { '4k': 1000, '64k': 256, '1m': 64 };

const bodies = new Map<SizeName, Buffer>();

/** The bytes of every object of this size (random, so nothing compresses; the same for every server). */
export function bodyOf(size: SizeName): Buffer {
  let body = bodies.get(size);
  if (body === undefined) {
    body = crypto.randomBytes(SIZES[size]);
    bodies.set(size, body);
  }
  return body;
}

/** `get/4k/00000` … : the keys of the GET data set, also the nginx file paths. */
export function getKeys(size: SizeName): string[] {
  return Array.from({ length: KEY_COUNT[size] }, (_, i) => `get/${size}/${String(i).padStart(5, '0')}`);
}

/** Keys PUT scenarios overwrite in turn. */
export function putKeys(size: SizeName): string[] {
  return Array.from({ length: KEY_COUNT[size] }, (_, i) => `put/${size}/${String(i).padStart(5, '0')}`);
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const loaded = new WeakMap<S3Target, Set<SizeName>>();

/** PUTs the GET data set of `size` into an S3 server (once per server and run). */
export async function loadS3(target: S3Target, size: SizeName): Promise<void> {
  const done = loaded.get(target) ?? new Set<SizeName>();
  loaded.set(target, done);
  if (done.has(size)) return;
  const body = bodyOf(size);
  await pool(getKeys(size), 16, async (Key) => {
    await target.client.send(new PutObjectCommand({ Bucket: target.bucket, Key, Body: body }));
  });
  done.add(size);
}

/** Writes the same data set as static files under nginx's root. */
export function loadNginx(size: SizeName): void {
  const body = bodyOf(size);
  for (const key of getKeys(size)) {
    const file = path.join(nginxRoot, key);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, body);
  }
}
