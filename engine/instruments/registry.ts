/**
 * Symbols to small integer ids (1-based; 0 means "none") and back. Ticks and
 * signals carry the id; strings never travel on the rings.
 */
export class InstrumentRegistry {
  private readonly ids = new Map<string, number>();
  private readonly symbols: string[] = [''];

  constructor(symbols: readonly string[]) {
    for (const s of symbols) this.add(s);
  }

  add(symbol: string): number {
    const existing = this.ids.get(symbol);
    if (existing !== undefined) return existing;
    const id = this.symbols.length;
    this.symbols.push(symbol);
    this.ids.set(symbol, id);
    return id;
  }

  /** The id of `symbol`, or 0 when it is unknown. */
  id(symbol: string): number {
    return this.ids.get(symbol) ?? 0;
  }

  symbol(id: number): string | undefined {
    return id > 0 ? this.symbols[id] : undefined;
  }

  get size(): number {
    return this.symbols.length - 1;
  }

  list(): string[] {
    return this.symbols.slice(1);
  }
}
