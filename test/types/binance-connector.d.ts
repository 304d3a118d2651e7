// @binance/connector ships no typings; the test uses it untyped as an outside client.
declare module '@binance/connector';
