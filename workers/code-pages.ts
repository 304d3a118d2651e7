import { readFileSync } from 'node:fs';

/**
 * How many bytes of this process's executable code sit on anonymous huge pages: where
 * `node --use-largepages` moves node's own code (24 MiB of it on Node 20). Code in file-backed
 * pages can be reclaimed by the kernel whenever it likes and is read back from disk on its next
 * use, a major fault of milliseconds on whatever thread touches it: on these machines file pages
 * are reclaimed and refaulted all the time (/proc/vmstat's workingset_refault_file grows on an
 * idle machine). Anonymous pages stay where they are (there is no swap), and huge ones also
 * spare the TLB. null where there is no /proc.
 */
export function codeOnHugePagesBytes(smaps: string | null = readSmaps()): number | null {
  if (smaps === null) return null;
  let kb = 0;
  let anonymousCode = false;
  for (const line of smaps.split('\n')) {
    // a mapping's header: "start-end perms offset dev inode [path]"; anonymous when the inode is 0
    const m = /^[0-9a-f]+-[0-9a-f]+ (\S{4}) \S+ \S+ (\d+)/.exec(line);
    if (m) {
      anonymousCode = m[1][2] === 'x' && m[2] === '0';
      continue;
    }
    if (anonymousCode && line.startsWith('AnonHugePages:')) kb += Number(/(\d+)/.exec(line)![1]);
  }
  return kb * 1024;
}

function readSmaps(): string | null {
  try {
    return readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return null;
  }
}
