/**
 * Runs the real kiteconnect KiteTicker against a ticker at argv[2] and prints
 * the first full-mode tick as one JSON line, then exits. In a child process
 * because the SDK calls process.exit(1) whenever it stops reconnecting (its
 * own disconnect() included).
 */
import { KiteTicker } from 'kiteconnect';

const [root, apiKey, token, instrument] = process.argv.slice(2);
const ticker = new KiteTicker({ api_key: apiKey, access_token: token, root } as never);
ticker.on('ticks', (ticks: any[]) => {
  const full = ticks.find((t) => t.mode === 'full');
  if (!full) return;
  process.stdout.write(JSON.stringify(full) + '\n', () => process.exit(0));
});
ticker.on('connect', () => {
  ticker.subscribe([Number(instrument)]);
  ticker.setMode(ticker.modeFull, [Number(instrument)]);
});
ticker.connect();
setTimeout(() => process.exit(3), 10_000);
