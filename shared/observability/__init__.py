"""Operators' observability, built once for every process: health and readiness routes,
Prometheus metrics gathered at scrape time, JSON logs carrying each order's correlation id."""
