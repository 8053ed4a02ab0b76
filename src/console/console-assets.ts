/**
 * The web console's files (the package's `web/` folder), served at `/console/` on the S3 port.
 * They are read once into memory on the first console request: a request path is only ever a
 * key of that map, never joined onto the filesystem, so no path can reach another file.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the console lives on the server's address (path style: no directory bucket is named `console`). */
export const CONSOLE_PREFIX = '/console/';

/** The content types of the files the console ships; any other file is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * Scripts, styles, images and connections from the console's own origin only: no inline
 * script or style, no CDN, no framing, no form posting elsewhere. Downloads are `blob:` URLs.
 */
export const CONSOLE_CSP =
  "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; " +
  "frame-ancestors 'none'; form-action 'none'";

/** Headers of every console answer (files, redirects and errors alike). */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

export interface ConsoleAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * The package's `web/` folder, beside the nearest package.json above this module: this file
 * runs from dist/src/console/ or, bundled, from dist/bundle/, at different depths.
 */
export function defaultWebRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('the console files (web/) are not beside any package.json');
    dir = parent;
  }
  return path.join(dir, 'web');
}

export class ConsoleAssets {
  private assets: Map<string, Asset> | undefined;

  constructor(
    private readonly webRoot: string,
    /** Generated files (e.g. `config.json`), by path below CONSOLE_PREFIX. */
    private readonly generated: Readonly<Record<string, () => unknown>> = {},
  ) {}

  /**
   * The answer for a GET or HEAD of `rawPath` (which starts with CONSOLE_PREFIX), or undefined
   * when no such file exists. `/console/` is the index page.
   */
  answer(rawPath: string, ifNoneMatch: string | undefined): ConsoleAnswer | undefined {
    let name = rawPath.slice(CONSOLE_PREFIX.length);
    if (name === '') name = 'index.html';
    const make = Object.hasOwn(this.generated, name) ? this.generated[name] : undefined;
    const asset = make ? jsonAsset(make()) : this.files().get(name);
    if (asset === undefined) return undefined;
    const headers: Record<string, string> = {
      ...CONSOLE_SECURITY_HEADERS,
      'Content-Type': asset.contentType,
      ETag: asset.etag,
      // Revalidate every time: a new release must never run with an old cached script.
      'Cache-Control': make ? 'no-store' : 'no-cache',
    };
    if (!make && ifNoneMatch !== undefined && ifNoneMatch === asset.etag) {
      return { status: 304, headers, body: Buffer.alloc(0) };
    }
    headers['Content-Length'] = String(asset.body.length);
    return { status: 200, headers, body: asset.body };
  }

  /** Every servable file below the web root, by its path relative to it (`/`-separated). */
  private files(): Map<string, Asset> {
    if (this.assets !== undefined) return this.assets;
    const assets = new Map<string, Asset>();
    const walk = (dir: string, prefix: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full, `${prefix}${entry.name}/`);
        const contentType = CONTENT_TYPES[path.extname(entry.name)];
        if (entry.isFile() && contentType !== undefined) {
          const body = fs.readFileSync(full);
          assets.set(`${prefix}${entry.name}`, { body, contentType, etag: etagOf(body) });
        }
      }
    };
    walk(this.webRoot, '');
    this.assets = assets;
    return assets;
  }
}

function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
}

function jsonAsset(value: unknown): Asset {
  const body = Buffer.from(JSON.stringify(value));
  return { body, contentType: 'application/json', etag: etagOf(body) };
}
