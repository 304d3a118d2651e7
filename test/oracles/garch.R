# Reference GARCH(1,1) fits from R's fGarch (garchFit, Gaussian, with mean).
# Run from the repository root (needs r-cran-fgarch, r-cran-ttr, r-cran-jsonlite):
#   Rscript test/oracles/garch.R
# Writes test/oracles/fixtures/garch.json.
suppressMessages({ library(fGarch); library(TTR); library(jsonlite) })

fit_one <- function(x) {
  fit <- garchFit(~ garch(1, 1), data = x, include.mean = TRUE, cond.dist = "norm", trace = FALSE)
  cf <- coef(fit)
  pr <- predict(fit, n.ahead = 10)
  list(
    x = as.numeric(x),
    coef = list(mu = cf[["mu"]], omega = cf[["omega"]], alpha = cf[["alpha1"]], beta = cf[["beta1"]]),
    loglik = -fit@fit$llh[[1]],
    h = as.numeric(fit@h.t),
    forecastSd = as.numeric(pr$standardDeviation)
  )
}

data(ttrc)
closes <- ttrc$Close[1:2001]
ttrc_returns <- 100 * diff(log(closes))

set.seed(42)
spec <- garchSpec(model = list(mu = 0.05, omega = 0.1, alpha = 0.1, beta = 0.85))
simulated <- as.numeric(garchSim(spec, n = 2000))

out <- list(
  generator = "test/oracles/garch.R", fGarch = as.character(packageVersion("fGarch")),
  ttrc = fit_one(ttrc_returns),
  simulated = c(fit_one(simulated), list(truth = list(mu = 0.05, omega = 0.1, alpha = 0.1, beta = 0.85)))
)
write_json(out, "test/oracles/fixtures/garch.json", digits = NA, auto_unbox = TRUE)
cat("wrote test/oracles/fixtures/garch.json\n")
