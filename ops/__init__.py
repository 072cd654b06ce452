"""Observability: request and task logs, Prometheus metrics, optional Sentry, the heartbeat.

No models: it has no tables; metrics live in prometheus_client's registry, logs in the log stream.
No services: it writes no rows; it logs and counts (middleware.py, receivers.py, celery_hooks.py).
No selectors: it has no tables; /metrics reads the metrics registry (metrics.py).
No api: its one endpoint, /metrics (views.py), speaks Prometheus's text format, not our REST API.
No serializers: it has no REST API; metrics.py renders the Prometheus exposition.
No forms: nothing is typed in; /metrics reads only a bearer token.
No permissions: /metrics knows no agency or role; it checks METRICS_TOKEN (views.py).
No admin: ops has no models.
"""
