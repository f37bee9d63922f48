// rongsync's version, from its package.json: the one place the number is written. Found by
// walking up from this module, so it holds whether the sources run through tsx or compiled.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageVersion(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'rongsync' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here (or not ours): keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`rongsync's package.json not found above ${fileURLToPath(from)}`);
    dir = parent;
  }
}
