/**
 * The built dashboard (Vite's output in dist/web-ui), read once into memory
 * with a gzip copy of each text file: the bundle is small, and serving from
 * memory keeps first paint free of disk reads. A missing bundle is not an
 * error: the server then serves its APIs and explains at `/` how to build it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface StaticFile {
  body: Buffer;
  gzip?: Buffer;
  type: string;
  /** Hashed file names never change content: cache them for a year. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

export class StaticBundle {
  private constructor(readonly dir: string, private readonly files: Map<string, StaticFile>) {}

  /** Loads `dir`; undefined when it holds no index.html (the UI is not built). */
  static load(dir: string): StaticBundle | undefined {
    if (!existsSync(join(dir, 'index.html'))) return undefined;
    const files = new Map<string, StaticFile>();
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else {
          const rel = relative(dir, p).split(sep).join('/');
          const type = TYPES[extname(name)] ?? 'application/octet-stream';
          const body = readFileSync(p);
          const text = type.startsWith('text/') || type.includes('json') || type.includes('svg');
          files.set(rel, { body, gzip: text && body.length > 512 ? gzipSync(body, { level: 9 }) : undefined, type, immutable: rel.startsWith('assets/') });
        }
      }
    };
    walk(dir);
    return new StaticBundle(dir, files);
  }

  get(rel: string): StaticFile | undefined {
    return this.files.get(rel);
  }

  get index(): StaticFile {
    return this.files.get('index.html')!;
  }

  /** Bytes of each asset kind, raw and gzipped (for the benchmark). */
  sizes(): { js: number; jsGzip: number; css: number; cssGzip: number } {
    const s = { js: 0, jsGzip: 0, css: 0, cssGzip: 0 };
    for (const [name, f] of this.files) {
      const kind = name.endsWith('.js') ? 'js' : name.endsWith('.css') ? 'css' : undefined;
      if (!kind) continue;
      s[kind] += f.body.length;
      s[`${kind}Gzip`] += (f.gzip ?? gzipSync(f.body, { level: 9 })).length;
    }
    return s;
  }
}
