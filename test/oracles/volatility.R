# Reference values for the volatility estimators and indicators, from R's TTR.
# Run from the repository root (needs r-cran-ttr and r-cran-jsonlite):
#   Rscript test/oracles/volatility.R
# Writes test/oracles/fixtures/volatility.json.
suppressMessages({ library(TTR); library(jsonlite) })

calcs <- c("close", "parkinson", "garman.klass", "rogers.satchell", "yang.zhang")
# TTR::volatility is called explicitly: fGarch also exports a volatility() (see PITFALLS).
vols <- function(ohlc, n, N) {
  out <- list()
  for (calc in calcs) out[[calc]] <- as.numeric(TTR::volatility(ohlc, n = n, calc = calc, N = N))
  out
}

# 1. TTR's own daily data set: the first 2000 days.
data(ttrc)
d <- ttrc[1:2000, ]
ohlc <- as.matrix(d[, c("Open", "High", "Low", "Close")])
hlc <- as.matrix(d[, c("High", "Low", "Close")])
ttrc_out <- list(
  open = d$Open, high = d$High, low = d$Low, close = d$Close,
  n10 = vols(ohlc, 10, 260), n20 = vols(ohlc, 20, 252),
  sma20 = as.numeric(SMA(d$Close, 20)),
  ema20 = as.numeric(EMA(d$Close, 20)),
  sd20 = as.numeric(runSD(d$Close, 20)),
  atr14 = as.numeric(ATR(hlc, 14)[, "atr"])
)

# 2. One-second bars of the bookTicker mid price of SUSHIUSDT, built here from
#    the recorded Binance USD-M futures stream (receive time, floor to the second).
lines <- readLines("../shared/data/binance-recorded/BINANCE_FUTURES.ws.1.0")[-1]
sep <- regexpr(": ", lines, fixed = TRUE)
recv <- as.numeric(substr(lines, 1, sep - 1))
msgs <- substring(lines, sep + 2)
keep <- grepl('"stream":"sushiusdt@bookTicker"', msgs, fixed = TRUE)
mid <- sapply(msgs[keep], function(m) { x <- fromJSON(m)$data; (as.numeric(x$b) + as.numeric(x$a)) / 2 }, USE.NAMES = FALSE)
sec <- floor(recv[keep])
bars <- do.call(rbind, lapply(split(mid, sec), function(p) c(p[1], max(p), min(p), p[length(p)])))
colnames(bars) <- c("Open", "High", "Low", "Close")
binance_out <- list(
  start = as.numeric(names(split(mid, sec))) * 1000,
  open = bars[, 1], high = bars[, 2], low = bars[, 3], close = bars[, 4],
  n5 = vols(bars, 5, 365 * 86400)
)

out <- list(
  generator = "test/oracles/volatility.R", ttr = as.character(packageVersion("TTR")),
  ttrc = ttrc_out, binance_sushiusdt_1s = binance_out
)
write_json(out, "test/oracles/fixtures/volatility.json", digits = NA, na = "null", auto_unbox = TRUE)
cat("wrote test/oracles/fixtures/volatility.json\n")
