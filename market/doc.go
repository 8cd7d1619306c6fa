// Package market adapts the upstream market data services: instrument prices
// (Polygon.io, or the last known prices) and Indian mutual fund NAVs (AMFI's
// daily NAV file, or the RapidAPI "latest mutual fund NAV" service) and
// exchange rates (the European Central Bank's daily euro reference rates),
// with a Redis cache in front of the fund data and of the rates.
//
// Every outbound call goes through one client (fetch.go) that rate-limits,
// times out and retries with backoff, so each provider only knows its wire
// format.
//
// It may import alex and analysis (the Quote and PriceSource it serves), never
// store, tasks or http.
package market
