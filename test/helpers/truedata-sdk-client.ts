/**
 * Runs the official truedata-nodejs client against a TrueData server on
 * 127.0.0.1:<port> and prints its first tick as one JSON line. The client
 * hard-codes `wss://<name>.truedata.in`; the only change made here is that its
 * WebSocket connects to the local fake instead (plain ws, same path and query).
 */
import { createRequire } from 'node:module';
import WebSocket from 'ws';

const [port, user, password, symbol] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const wsPath = require.resolve('ws', { paths: [require.resolve('truedata-nodejs')] });
class LocalWebSocket extends WebSocket {
  constructor(url: string, ...rest: any[]) {
    super(url.replace(/^wss:\/\/[a-z]+\.truedata\.in/, 'ws://127.0.0.1'), ...rest);
  }
}
require.cache[wsPath] = { id: wsPath, filename: wsPath, loaded: true, exports: LocalWebSocket } as never;
const { rtConnect, rtFeed } = require('truedata-nodejs');
console.log = () => {}; // the client logs every step to stdout; keep stdout for the result
rtFeed.on('tick', (tick: unknown) => process.stdout.write(JSON.stringify(tick) + '\n', () => process.exit(0)));
rtConnect(user, password, [symbol], Number(port), 1, 0);
setTimeout(() => process.exit(3), 10_000);
