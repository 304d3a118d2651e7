"""Reference values for the backtest report (engine/backtest/report.ts), computed another way.

Run from the repository root with Debian's Python:
    /usr/bin/python3 test/oracles/backtest_stats.py
Writes test/oracles/fixtures/backtest-stats.json: random fills and an equity curve, and what the
report must make of them.

Independent of the TypeScript: round trips come from cash flows (a round trip's gross P&L is what
its sells brought in minus what its buys cost, a reversing fill split at zero by quantity); the
per-minute curve from numpy's searchsorted; ratios and drawdown vectorised.
"""
import json

import numpy as np

rng = np.random.default_rng(5)
T0 = 1_767_571_200_000  # 2026-01-05 00:00 UTC, ms

# --- fills: two symbols, random sides and sizes, reversals included
fills = []
t = T0
held = {"BTCUSDT": 0, "ETHUSDT": 0}  # in tenths, to generate closing and reversing fills
for k in range(400):
    t += int(rng.integers(1_000, 120_000))
    sym = "BTCUSDT" if rng.random() < 0.5 else "ETHUSDT"
    base = 60_000.0 if sym == "BTCUSDT" else 3_000.0
    price = round(base * (1 + 0.01 * rng.normal()), 2)
    u = rng.random()
    pos = held[sym]
    if pos != 0 and u < 0.3:  # close exactly
        tenths, buy = abs(pos), pos < 0
    elif pos != 0 and u < 0.45:  # reverse
        tenths, buy = abs(pos) + int(rng.integers(1, 20)), pos < 0
    else:
        tenths, buy = int(rng.integers(1, 40)), rng.random() < 0.5
    held[sym] += tenths if buy else -tenths
    qty = tenths / 10
    fee = round(qty * price * 0.001, 6)
    fills.append({"t": "fill", "tradeId": f"f{k}", "clientOrderId": f"o{k}", "at": t, "exchange": "SIM", "symbol": sym,
                  "side": "buy" if buy else "sell", "qty": qty, "price": price, "fee": fee, "run": "oracle", "seq": k})

trades = []
state = {}
for f in fills:
    key = f["symbol"]
    signed = f["qty"] if f["side"] == "buy" else -f["qty"]
    s = state.get(key)
    rest = signed
    while abs(rest) > 1e-12:
        if s is None:
            s = {"pos": 0.0, "cash": 0.0, "fees": 0.0, "side": "long" if rest > 0 else "short", "maxq": 0.0, "opened": f["at"], "n": 0}
        # the part up to a return to zero closes; a reversing remainder opens the next
        if s["pos"] != 0 and np.sign(rest) != np.sign(s["pos"]) and abs(rest) > abs(s["pos"]):
            part = -s["pos"]
        else:
            part = rest
        s["cash"] -= part * f["price"]
        s["fees"] += f["fee"] * part / signed  # the fill's fee by quantity
        s["pos"] = round(s["pos"] + part, 9)
        s["maxq"] = max(s["maxq"], abs(s["pos"]))
        s["n"] += 1
        rest = round(rest - part, 9)
        if s["pos"] == 0:
            trades.append({"symbol": key, "side": s["side"], "openedAt": s["opened"], "closedAt": f["at"], "qty": s["maxq"],
                           "grossPnl": s["cash"], "fees": s["fees"], "netPnl": s["cash"] - s["fees"], "fills": s["n"]})
            s = None
    state[key] = s

# --- an equity curve at irregular times (P&L rows), over about 6 hours
times = np.sort(T0 + rng.integers(0, 6 * 3_600_000, 700))
equity = 100_000 * np.exp(np.cumsum(rng.normal(0.00002, 0.0015, len(times))))
pnl_rows = [{"t": "pnl", "day": "2026-01-05", "broker": "paper", "startEquity": 100_000, "equity": float(e), "realisedPnl": 0, "fees": 0,
             "fills": 0, "at": int(a), "run": "oracle", "seq": 1000 + i} for i, (a, e) in enumerate(zip(times, equity))]

# the report's curve: the start equity at the first row's time, then every P&L row
first_at = min(int(times[0]), fills[0]["at"])
curve_t = np.concatenate([[first_at], times])
curve_e = np.concatenate([[100_000.0], equity])
minutes = np.arange(curve_t[0] // 60_000, curve_t[-1] // 60_000 + 1)
# last value at or before the end of each minute
idx = np.searchsorted(curve_t // 60_000, minutes, side="right") - 1
closes = curve_e[idx]
r = closes[1:] / closes[:-1] - 1
annual = np.sqrt(365 * 1440)
sharpe = r.mean() / r.std(ddof=1) * annual
sortino = r.mean() / np.sqrt(np.mean(np.minimum(r, 0) ** 2)) * annual
peak = np.maximum.accumulate(curve_e)
max_dd = float(np.max(peak - curve_e))
max_dd_pct = float(np.max(100 * (peak - curve_e) / peak))
net = np.array([t["netPnl"] for t in trades])
notional = sum(f["qty"] * f["price"] for f in fills)

out = {
    "rows": fills + pnl_rows,
    "startingCash": 100_000,
    "expected": {
        "trades": trades,
        "sharpe": sharpe, "sortino": sortino, "maxDrawdown": max_dd, "maxDrawdownPct": max_dd_pct,
        "hitRate": float(np.mean(net > 0)), "averageTrade": float(net.mean()), "turnover": notional / 100_000,
        "fees": sum(f["fee"] for f in fills), "endEquity": float(equity[-1]),
        "openPositions": {k: v["pos"] for k, v in state.items() if v is not None},
    },
}
with open("test/oracles/fixtures/backtest-stats.json", "w") as fh:
    json.dump(out, fh)
print(f"{len(fills)} fills, {len(trades)} round trips, {len(minutes)} minutes, sharpe {sharpe:.4f}")
