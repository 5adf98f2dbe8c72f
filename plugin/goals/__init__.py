"""The goal domain: periods, metrics, aggregation and status, as pure functions."""
