/**
 * The instrument registry: symbol to a small integer id (1-based; 0 means
 * "none") and back, with what trading needs to know about each instrument.
 * Ticks and signals carry the id; strings never travel on the rings.
 *
 * Loaders read Zerodha's instruments CSV (symbols `EXCHANGE:TRADINGSYMBOL`,
 * e.g. `NSE:INFY`) and Binance's exchangeInfo (symbols as Binance names them,
 * e.g. `BTCUSDT`; USD-M futures get the venue `BINANCE_FUTURES`).
 */
export type OptionType = 'CE' | 'PE' | 'CALL' | 'PUT';
const OPTION_TYPES: readonly string[] = ['CE', 'PE', 'CALL', 'PUT'];

export interface InstrumentInfo {
  symbol: string;
  /** Venue: NSE, NFO, BSE, MCX, CDS, BINANCE, BINANCE_FUTURES, or SIM for configured symbols. */
  exchange: string;
  /** Kite segment (NSE, NFO-OPT, NFO-FUT, INDICES, ...), or SPOT / USDM for Binance. */
  segment: string;
  tickSize: number;
  lotSize: number;
  /** Expiry, ms since the epoch (end of the expiry day, IST, for Indian derivatives); NaN when none. */
  expiry: number;
  strike: number;
  optionType: OptionType | null;
  /** EQ, FUT, CE, PE, SPOT, PERPETUAL, ... as the source names it. */
  instrumentType: string;
  /** Kite instrument_token (ticker subscriptions); 0 when none. */
  kiteToken: number;
  quoteAsset: string;
  minNotional: number;
}

const INDIAN_EXCHANGES = ['NSE', 'NFO', 'BSE', 'BFO', 'MCX', 'CDS', 'BCD'];

/** The trading session an instrument's bars follow: Indian exchanges trade NSE hours, the rest around the clock. */
export function sessionOf(i: InstrumentInfo | undefined): 'nse' | 'crypto' {
  return i && INDIAN_EXCHANGES.includes(i.exchange) ? 'nse' : 'crypto';
}

export function isOption(i: InstrumentInfo): boolean {
  return i.optionType !== null;
}

function plain(symbol: string): InstrumentInfo {
  return { symbol, exchange: 'SIM', segment: 'SIM', tickSize: 0.01, lotSize: 1, expiry: NaN, strike: 0, optionType: null, instrumentType: 'SPOT', kiteToken: 0, quoteAsset: '', minNotional: 0 };
}

export class InstrumentRegistry {
  private readonly ids = new Map<string, number>();
  private readonly byKiteToken = new Map<number, number>();
  private readonly infos: InstrumentInfo[] = [plain('')];

  constructor(symbols: readonly (string | InstrumentInfo)[] = []) {
    for (const s of symbols) this.add(typeof s === 'string' ? plain(s) : s);
  }

  /** Adds an instrument (or returns the id it already has). */
  add(info: InstrumentInfo): number {
    const existing = this.ids.get(info.symbol);
    if (existing !== undefined) return existing;
    const id = this.infos.length;
    this.infos.push(info);
    this.ids.set(info.symbol, id);
    if (info.kiteToken) this.byKiteToken.set(info.kiteToken, id);
    return id;
  }

  /** The id of `symbol`, or 0 when it is unknown. */
  id(symbol: string): number {
    return this.ids.get(symbol) ?? 0;
  }

  /** The id of a Kite instrument token, or 0. */
  idOfKiteToken(token: number): number {
    return this.byKiteToken.get(token) ?? 0;
  }

  symbol(id: number): string | undefined {
    return id > 0 ? this.infos[id]?.symbol : undefined;
  }

  info(id: number): InstrumentInfo | undefined {
    return id > 0 ? this.infos[id] : undefined;
  }

  get size(): number {
    return this.infos.length - 1;
  }

  list(): string[] {
    return this.infos.slice(1).map((i) => i.symbol);
  }
}

const IST_OFFSET_MS = 5.5 * 3_600_000;

/** Parses Zerodha's instruments CSV (the header row names the columns). Rows it cannot read are returned as errors, not dropped silently. */
export function parseKiteInstruments(csv: string): { instruments: InstrumentInfo[]; errors: string[] } {
  const lines = csv.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0]?.split(',') ?? [];
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`Kite instruments CSV has no '${name}' column`);
    return i;
  };
  const c = {
    token: col('instrument_token'), symbol: col('tradingsymbol'), expiry: col('expiry'), strike: col('strike'), tick: col('tick_size'),
    lot: col('lot_size'), type: col('instrument_type'), segment: col('segment'), exchange: col('exchange'),
  };
  const instruments: InstrumentInfo[] = [];
  const errors: string[] = [];
  for (let n = 1; n < lines.length; n++) {
    const f = lines[n].split(',');
    const token = Number(f[c.token]);
    const tick = Number(f[c.tick]);
    const lot = Number(f[c.lot]);
    if (f.length !== header.length || !Number.isInteger(token) || token <= 0 || !(tick >= 0) || !(lot >= 0) || !f[c.symbol]) {
      errors.push(`line ${n + 1}: cannot read ${JSON.stringify(lines[n].slice(0, 80))}`);
      continue;
    }
    const type = f[c.type];
    const expiry = f[c.expiry] ? Date.parse(`${f[c.expiry]}T23:59:59.999Z`) - IST_OFFSET_MS : NaN;
    instruments.push({
      symbol: `${f[c.exchange]}:${f[c.symbol]}`, exchange: f[c.exchange], segment: f[c.segment], tickSize: tick, lotSize: lot,
      expiry, strike: Number(f[c.strike]) || 0, optionType: OPTION_TYPES.includes(type) ? (type as OptionType) : null,
      instrumentType: type, kiteToken: token, quoteAsset: 'INR', minNotional: 0,
    });
  }
  return { instruments, errors };
}

interface BinanceFilter {
  filterType: string;
  tickSize?: string;
  stepSize?: string;
  minNotional?: string;
  notional?: string;
}
interface BinanceSymbol {
  symbol: string;
  status: string;
  quoteAsset: string;
  contractType?: string;
  deliveryDate?: number;
  filters: BinanceFilter[];
}

/** Reads a Binance exchangeInfo answer (spot or USD-M futures); only TRADING symbols. */
export function parseBinanceExchangeInfo(info: { symbols: BinanceSymbol[] }, venue: 'BINANCE' | 'BINANCE_FUTURES'): InstrumentInfo[] {
  return info.symbols
    .filter((s) => s.status === 'TRADING')
    .map((s) => {
      const filter = (t: string) => s.filters.find((f) => f.filterType === t);
      const perpetual = s.contractType === 'PERPETUAL';
      return {
        symbol: s.symbol, exchange: venue, segment: venue === 'BINANCE' ? 'SPOT' : 'USDM',
        tickSize: Number(filter('PRICE_FILTER')?.tickSize ?? 0), lotSize: Number(filter('LOT_SIZE')?.stepSize ?? 0),
        expiry: venue === 'BINANCE_FUTURES' && !perpetual && s.deliveryDate ? s.deliveryDate : NaN,
        strike: 0, optionType: null, instrumentType: venue === 'BINANCE' ? 'SPOT' : (s.contractType ?? 'FUTURE'), kiteToken: 0,
        quoteAsset: s.quoteAsset, minNotional: Number(filter('MIN_NOTIONAL')?.minNotional ?? filter('NOTIONAL')?.minNotional ?? filter('MIN_NOTIONAL')?.notional ?? 0),
      };
    });
}
