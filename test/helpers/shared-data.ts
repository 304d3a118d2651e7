import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './compiled.js';

/** The recorded public data beside the repository (../shared/data); never copied into it. */
export function sharedData(relative: string): string {
  const file = path.join(ROOT, '..', 'shared', 'data', relative);
  if (!existsSync(file)) throw new Error(`${file} is missing: tests read ../shared/data beside the checkout`);
  return file;
}

/** Recorded Binance stream lines: `<receive unix time>: <raw message>`, after the URL line. */
export function recordedStream(relative: string): { recvMs: number; message: any }[] {
  const lines = readFileSync(sharedData(relative), 'utf8').split('\n').slice(1).filter(Boolean);
  return lines.map((line) => {
    const sep = line.indexOf(': ');
    return { recvMs: Number(line.slice(0, sep)) * 1000, message: JSON.parse(line.slice(sep + 2)) };
  });
}

export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(path.join(ROOT, 'test', 'oracles', 'fixtures', name), 'utf8'));
}
