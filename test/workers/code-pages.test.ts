import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { codeOnHugePagesBytes } from '../../workers/code-pages.js';
import { compiled } from '../helpers/compiled.js';

/** Transparent huge pages as the kernel offers them: always, madvise or never (what --use-largepages needs). */
const thp = /\[(\w+)\]/.exec(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))![1];

const inChild = (flags: string[]) =>
  Number(execFileSync(process.execPath, [...flags, '--input-type=module', '-e', `import { codeOnHugePagesBytes } from '${pathToFileURL(compiled('workers/code-pages.js')).href}'; console.log(codeOnHugePagesBytes())`], { encoding: 'utf8' }));

describe('code on huge pages', () => {
  it('counts huge pages of anonymous executable mappings only: not a file mapping, not data', () => {
    const smaps = [
      '00c00000-02400000 r-xp 00000000 00:00 0 ',
      'Rss:               24576 kB',
      'AnonHugePages:     24576 kB',
      '02400000-025fe000 r-xp 02000000 fe:00 260689                             /usr/bin/node',
      'AnonHugePages:      2048 kB',
      '7f7d53e40000-7f7d54040000 rw-p 00000000 00:00 0 ',
      'AnonHugePages:      2048 kB',
      '7f7d5c244000-7f7d5c39a000 r-xp 00026000 fe:00 339380                     /usr/lib/x86_64-linux-gnu/libc.so.6',
      'AnonHugePages:         0 kB',
    ].join('\n');
    expect(codeOnHugePagesBytes(smaps)).toBe(24 * 2 ** 20);
    expect(codeOnHugePagesBytes(null)).toBeNull();
  });

  it("node --use-largepages moves node's code onto them (where the kernel offers huge pages); without it, none", () => {
    const withFlag = inChild(['--use-largepages=silent']);
    if (thp === 'never') expect(withFlag).toBe(0);
    else expect(withFlag).toBeGreaterThanOrEqual(8 * 2 ** 20);
    // in 'always' mode the kernel may give any anonymous mapping huge pages, V8's own code space included
    if (thp !== 'always') expect(inChild([])).toBe(0);
  });
});
