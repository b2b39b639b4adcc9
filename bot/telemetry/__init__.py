"""Observability of the bot process: Prometheus metrics, OpenTelemetry traces, request ids (see README)."""
