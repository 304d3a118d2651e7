import { readFileSync } from 'node:fs';
import { recordedStream, sharedData } from './shared-data.js';

/** Recorded REST depth snapshots: `<url> -> <unix time>: <body>` per line. */
export function recordedSnapshots(file: string): { symbol: string; recvMs: number; body: { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] } }[] {
  return readFileSync(sharedData(`binance-recorded/${file}`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /symbol=([A-Z0-9]+).* -> ([\d.]+): (.*)$/.exec(line);
      if (!m) throw new Error(`unreadable snapshot line: ${line.slice(0, 80)}`);
      return { symbol: m[1], recvMs: Number(m[2]) * 1000, body: JSON.parse(m[3]) };
    });
}

export { recordedStream };
