import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root, from this file whether it runs as source (test/helpers) or compiled (dist/test/helpers). */
export const ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) === 'dist') dir = path.dirname(dir);
  return dir;
})();

/**
 * Threads run compiled JavaScript (vitest transforms only the test's own thread),
 * so suites that start real workers or the real process use `dist/`. `npm test`
 * builds first; this fails loudly when someone runs vitest on a stale tree.
 */
export function compiled(relativeJs: string): string {
  const file = path.join(ROOT, 'dist', relativeJs);
  if (!existsSync(file)) throw new Error(`${file} is missing: run 'npm run build' first (npm test does)`);
  return file;
}
