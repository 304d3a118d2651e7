import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { InstrumentRegistry, parseBinanceExchangeInfo, parseKiteInstruments, type InstrumentInfo } from './registry.js';

/**
 * The registry the engine runs with: the configured symbols, the instrument
 * files, and the symbols feeds subscribe to (added plainly when no file
 * describes them). Built once, in the main thread.
 */
export function loadInstruments(config: Config): { registry: InstrumentRegistry; list: InstrumentInfo[] } {
  const registry = new InstrumentRegistry(config.instruments);
  const files = config.instrumentFiles;
  const read = (what: string, file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`instrumentFiles.${what}: cannot read ${file}: ${(e as Error).message}`);
    }
  };
  if (files.kite) {
    const { instruments, errors } = parseKiteInstruments(read('kite', files.kite));
    if (errors.length) throw new Error(`instrumentFiles.kite: ${errors.length} unreadable rows, first: ${errors[0]}`);
    for (const i of instruments) registry.add(i);
  }
  if (files.binanceSpot) for (const i of parseBinanceExchangeInfo(JSON.parse(read('binanceSpot', files.binanceSpot)), 'BINANCE')) registry.add(i);
  if (files.binanceFutures) for (const i of parseBinanceExchangeInfo(JSON.parse(read('binanceFutures', files.binanceFutures)), 'BINANCE_FUTURES')) registry.add(i);
  const b = config.feeds.binance;
  if (b.enabled) {
    const venue = b.market === 'spot' ? 'BINANCE' : 'BINANCE_FUTURES';
    for (const symbol of b.symbols) {
      if (registry.id(symbol) === 0) registry.add({ symbol, exchange: venue, segment: b.market === 'spot' ? 'SPOT' : 'USDM', tickSize: 0, lotSize: 0, expiry: NaN, strike: 0, optionType: null, instrumentType: 'SPOT', kiteToken: 0, quoteAsset: '', minNotional: 0 });
    }
  }
  const list: InstrumentInfo[] = [];
  for (let id = 1; id <= registry.size; id++) list.push(registry.info(id)!);
  return { registry, list };
}
