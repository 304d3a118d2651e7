import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { InstrumentRegistry, isOption, parseBinanceExchangeInfo, parseKiteInstruments } from '../../engine/instruments/registry.js';
import { sharedData } from '../helpers/shared-data.js';

describe('instrument registry', () => {
  it('loads the Kite instruments CSV with tick size, lot size, expiry, strike and option type', () => {
    const { instruments, errors } = parseKiteInstruments(readFileSync(sharedData('kite-mocks/instruments_all.csv'), 'utf8'));
    expect(errors).toEqual([]);
    expect(instruments).toHaveLength(99);
    const reg = new InstrumentRegistry(instruments);
    const ce = reg.info(reg.id('NFO:BANKNIFTY18JAN23500CE'))!;
    expect(ce).toMatchObject({ exchange: 'NFO', segment: 'NFO-OPT', tickSize: 0.05, lotSize: 40, strike: 23500, optionType: 'CE', kiteToken: 12073986 });
    expect(ce.expiry).toBe(Date.parse('2018-01-25T23:59:59.999+05:30'));
    expect(isOption(ce)).toBe(true);
    const eq = reg.info(reg.id('NSE:CENTRALBK-BE'))!;
    expect(eq).toMatchObject({ optionType: null, instrumentType: 'EQ', tickSize: 0.05, lotSize: 1 });
    expect(eq.expiry).toBeNaN();
    expect(reg.idOfKiteToken(3813889)).toBe(reg.id('NSE:CENTRALBK-BE'));
    expect(instruments.filter(isOption).every((i) => i.optionType === 'CE' || i.optionType === 'PE')).toBe(true);
  });

  it('reports unreadable CSV rows instead of dropping them', () => {
    const csv = 'instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange\nabc,1,X,,0,,0,0.05,1,EQ,NSE,NSE\n';
    expect(parseKiteInstruments(csv).errors).toEqual(['line 2: cannot read "abc,1,X,,0,,0,0.05,1,EQ,NSE,NSE"']);
    expect(() => parseKiteInstruments('a,b\n1,2')).toThrow(/no 'instrument_token' column/);
  });

  it('loads Binance spot and USD-M exchangeInfo with filters', () => {
    const spot = parseBinanceExchangeInfo(JSON.parse(readFileSync(sharedData('binance-recorded/exchangeInfo.spot.json'), 'utf8')), 'BINANCE');
    const fut = parseBinanceExchangeInfo(JSON.parse(readFileSync(sharedData('binance-recorded/exchangeInfo.futures.json'), 'utf8')), 'BINANCE_FUTURES');
    const btc = spot.find((s) => s.symbol === 'BTCUSDT')!;
    expect(btc).toMatchObject({ exchange: 'BINANCE', segment: 'SPOT', quoteAsset: 'USDT', optionType: null });
    expect(btc.tickSize).toBeGreaterThan(0);
    expect(btc.lotSize).toBeGreaterThan(0);
    const perp = fut.find((s) => s.symbol === 'BTCUSDT')!;
    expect(perp).toMatchObject({ exchange: 'BINANCE_FUTURES', segment: 'USDM', instrumentType: 'PERPETUAL', tickSize: 0.01, lotSize: 0.001, minNotional: 5 });
    expect(perp.expiry).toBeNaN();
    expect(spot.length).toBeGreaterThan(1000);
    const reg = new InstrumentRegistry(spot);
    expect(reg.id('BTCUSDT')).toBeGreaterThan(0);
    expect(reg.id('NOPE')).toBe(0);
  });
});
