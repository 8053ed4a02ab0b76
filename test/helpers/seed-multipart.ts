import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { ObjectStore } from '../../src/storage/object-store.js';
import type { ObjectRecord } from '../../src/storage/types.js';

const crc32Base64 = (data: Buffer): string => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(zlib.crc32(data));
  return out.toString('base64');
};

/**
 * A multipart object with a CRC32 per part and a COMPOSITE object checksum, made through the
 * store's interface: tests need parts far below the 5 MiB minimum that UploadPart enforces for
 * all but the last.
 */
export async function seedMultipartObject(
  store: ObjectStore,
  bucket: string,
  key: string,
  parts: readonly Buffer[],
): Promise<ObjectRecord> {
  const uploadId = await store.createUpload({
    bucket,
    key,
    initiated: new Date(),
    content: { contentType: 'binary/octet-stream' },
    metadata: {},
    checksumAlgorithm: 'crc32',
    checksumType: 'COMPOSITE',
    encryption: { algorithm: 'AES256' },
  });
  for (const [i, part] of parts.entries()) {
    await store.putPart(uploadId, i + 1, Readable.from([part]), () => ({
      etag: `"${crypto.randomBytes(16).toString('hex')}"`,
      checksums: { crc32: crc32Base64(part) },
      lastModified: new Date(),
    }));
  }
  const composite = crc32Base64(Buffer.from(parts.map((p) => crc32Base64(p)).join('')));
  return store.completeUpload(uploadId, (upload, all) => ({
    object: {
      etag: `"${crypto.randomBytes(16).toString('hex')}-${parts.length}"`,
      lastModified: new Date(),
      content: upload.content,
      metadata: {},
      checksums: { crc32: `${composite}-${parts.length}` },
      checksumType: 'COMPOSITE',
      multipart: true,
      encryption: upload.encryption,
    },
    parts: all,
  }));
}
