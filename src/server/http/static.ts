// The web console's files, served from the package: index.html and the
// stylesheet from console/ (sources, shipped as they are), the JavaScript
// modules compiled from console/src by `npm run build` (tsc, no bundler) into
// dist/console (or <outDir>/console when the server was compiled elsewhere).
// Nothing is fetched from anywhere else at run time.
import { readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

interface ConsoleDirs {
  /** Hand-written files (index.html, style.css). */
  assets: string;
  /** Compiled modules, when built. */
  modules: string | undefined;
}

let dirs: ConsoleDirs | undefined;

/** Where the console's files are (found once by walking up from this module to Freshet's package.json). */
export function consoleDirs(): ConsoleDirs {
  if (dirs !== undefined) return dirs;
  const here = dirname(fileURLToPath(import.meta.url));
  // <outDir>/src/server/http -> <outDir>
  const outDir = join(here, '..', '..', '..');
  let root = here;
  for (;;) {
    const pkg = join(root, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'freshet') break;
      } catch {
        // Not ours: keep walking.
      }
    }
    const parent = dirname(root);
    if (parent === root) {
      root = outDir;
      break;
    }
    root = parent;
  }
  const candidates = [join(outDir, 'console'), join(root, 'dist', 'console')];
  const modules = candidates.find((d) => existsSync(join(d, 'main.js')));
  dirs = { assets: join(root, 'console'), modules };
  return dirs;
}

/** Serves `path` if it is one of the console's files; false when it is not. */
export async function serveStatic(path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const { assets, modules } = consoleDirs();
  let relative: string;
  if (path === '/' || path === '/index.html') relative = 'index.html';
  else if (path.startsWith('/console/')) relative = decodeURIComponent(path.slice('/console/'.length));
  else return false;
  const clean = normalize(relative);
  if (clean.startsWith('..') || clean.includes(`${sep}..`) || clean.startsWith(sep)) return false;
  const ext = extname(clean);
  const type = CONTENT_TYPES[ext];
  if (type === undefined) return false;
  const places = ext === '.js' || ext === '.map' ? [modules] : [assets];
  for (const dir of places) {
    if (dir === undefined) continue;
    let body: Buffer;
    try {
      body = await readFile(join(dir, clean));
    } catch {
      continue;
    }
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }
  if (ext === '.js' && modules === undefined) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('The console is not built: run `npm run build` (it compiles console/src into dist/console).\n');
    return true;
  }
  return false;
}
