import { describe, expect, it } from 'vitest';
import { createRing, emptySignal, RingReader, RingWriter } from '../../native-free-ringbuffer/index.js';
import { readEnvelope, StoreOutbox } from '../../workers/store-outbox.js';
import { newOrder, OrderState, applyFill, transition } from '../../engine/orders/order.js';
import type { InstrumentInfo } from '../../engine/instruments/registry.js';

const INSTRUMENTS: InstrumentInfo[] = [
  { symbol: 'INFY', exchange: 'NSE', segment: 'NSE', tickSize: 0.05, lotSize: 1, expiry: NaN, strike: 0, optionType: null, instrumentType: 'EQ', kiteToken: 1, quoteAsset: 'INR', minNotional: 0 },
];

function setup(capacity = 8) {
  const d = createRing({ capacity, recordSize: 512 });
  const outbox = new StoreOutbox(new RingWriter(d));
  const reader = new RingReader(d);
  const read = () => {
    const rows = [];
    for (let n = reader.available(), i = 0; i < n; i++) rows.push(readEnvelope(reader, reader.slot(i), emptySignal(), INSTRUMENTS, 'kite'));
    reader.release(reader.available());
    return rows;
  };
  return { outbox, read };
}

describe('store ring records (risk thread -> store thread)', () => {
  it('orders, fills and positions cross in fixed layouts and come out as the rows storage takes', () => {
    const { outbox, read } = setup();
    const o = newOrder({ clientOrderId: 'mhx3k2ab1f0000abc', instrumentId: 1, side: 'sell', type: 'limit', qty: 7, limitPrice: 1501.25 }, 1_700_000_000_000);
    transition(o, OrderState.Sent, 1_700_000_000_001);
    transition(o, OrderState.Acknowledged, 1_700_000_000_002);
    outbox.order(o, '250000000000001');
    const fill = { tradeId: 'kite:90000001', clientOrderId: o.clientOrderId, qty: 7, price: 1501.25, fee: 0.5, at: 1_700_000_000_010 };
    applyFill(o, fill);
    outbox.fill(o, fill);
    outbox.order(o, '250000000000001');
    outbox.position(1, -7, 1501.25, -0.5, 1_700_000_000_010);
    outbox.row({ t: 'risk', at: 5, kind: 'circuit_trip', reason: 'daily_loss', detail: { lossPct: 5.1 } });
    outbox.pump();
    const [ack, f, filled, p, risk] = read();
    expect(ack).toEqual({
      t: 'order', broker: 'kite', clientOrderId: 'mhx3k2ab1f0000abc', brokerOrderId: '250000000000001', exchange: 'NSE', symbol: 'INFY', side: 'sell', type: 'limit',
      qty: 7, limitPrice: 1501.25, state: 'ACKNOWLEDGED', filledQty: 0, avgPrice: null, fees: 0, rejectReason: null, createdAt: 1_700_000_000_000, updatedAt: 1_700_000_000_002,
    });
    expect(f).toEqual({ t: 'fill', tradeId: 'kite:90000001', clientOrderId: 'mhx3k2ab1f0000abc', at: 1_700_000_000_010, exchange: 'NSE', symbol: 'INFY', side: 'sell', qty: 7, price: 1501.25, fee: 0.5 });
    expect(filled).toMatchObject({ state: 'FILLED', filledQty: 7, avgPrice: 1501.25, fees: 0.5 });
    expect(p).toEqual({ t: 'position', broker: 'kite', exchange: 'NSE', symbol: 'INFY', qty: -7, avgPrice: 1501.25, realisedPnl: -0.5, at: 1_700_000_000_010 });
    expect(risk).toEqual({ t: 'risk', at: 5, kind: 'circuit_trip', reason: 'daily_loss', detail: { lossPct: 5.1 } });
  });

  it('a full ring makes rows wait, in order, never dropped; signals are dropped and counted instead', () => {
    const { outbox, read } = setup(4);
    const orders = Array.from({ length: 10 }, (_, k) => newOrder({ clientOrderId: `id${k}`, instrumentId: 1, side: 'buy', type: 'market', qty: k + 1 }, k));
    for (const o of orders) outbox.order(o, null);
    outbox.signal({ ...emptySignal(), instrumentId: 1 });
    expect(outbox.signalsDropped).toBe(1);
    expect(outbox.waiting).toBe(6);
    const seen: unknown[] = [];
    for (let round = 0; round < 5 && seen.length < 10; round++) {
      outbox.pump();
      seen.push(...read());
    }
    expect(seen.map((r) => (r as { clientOrderId: string }).clientOrderId)).toEqual(orders.map((o) => o.clientOrderId));
    expect(seen.map((r) => (r as { qty: number }).qty)).toEqual(orders.map((o) => o.qty));
    expect(outbox.waiting).toBe(0);
  });

  it('a long reject reason is cut to what a record holds, the rest of the order intact', () => {
    const { outbox, read } = setup();
    const o = newOrder({ clientOrderId: 'rej1', instrumentId: 1, side: 'buy', type: 'market', qty: 1 }, 0);
    o.rejectReason = 'x'.repeat(2000);
    transition(o, OrderState.Rejected, 1);
    outbox.order(o, null);
    outbox.pump();
    const [row] = read() as { rejectReason: string; state: string; clientOrderId: string }[];
    expect(row.state).toBe('REJECTED');
    expect(row.clientOrderId).toBe('rej1');
    expect(row.rejectReason).toBe('x'.repeat(512 - 16 - 168));
  });
});
