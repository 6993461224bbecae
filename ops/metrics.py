"""Prometheus metrics beside django-prometheus's requests and latency per view: the database
time of each view, the Celery queues' lengths (read from the broker at each scrape) and each
task's duration (exposed by the worker itself on DJANGO_METRICS_WORKER_PORT)."""

from __future__ import annotations

import time
from contextlib import ExitStack

from django.conf import settings
from django.db import connections
from django.http import HttpResponseForbidden
from prometheus_client import Histogram
from prometheus_client.core import REGISTRY, GaugeMetricFamily

SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800)

VIEW_DB_SECONDS = Histogram(
    "xinyu_view_database_seconds", "Time spent in the database per request, by view.",
    ["view"], buckets=SECONDS)
TASK_SECONDS = Histogram(
    "xinyu_celery_task_seconds", "Duration of each Celery task, by task and outcome.",
    ["task", "state"], buckets=SECONDS)


class DatabaseTimeMiddleware:
    """Adds up the time of every query a request runs, on every database alias, and records it
    under the view's name."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        spent = [0.0]

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent[0] += time.perf_counter() - started

        with ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(timed))
            response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        VIEW_DB_SECONDS.labels(view=(match.view_name if match else None) or "<unresolved>") \
            .observe(spent[0])
        return response


def _celery_app():
    from celery import current_app

    return current_app


class CeleryQueueLengths:
    def describe(self):
        return [GaugeMetricFamily("xinyu_celery_queue_length",
                                  "Messages waiting in each Celery queue.", labels=["queue"])]

    def collect(self):
        family = GaugeMetricFamily("xinyu_celery_queue_length",
                                   "Messages waiting in each Celery queue.", labels=["queue"])
        app = _celery_app()
        routed = {r["queue"] for r in (app.conf.task_routes or {}).values() if isinstance(r, dict)}
        queues = [q.name for q in (app.conf.task_queues or [])] or [
            app.conf.task_default_queue, *sorted(routed - {app.conf.task_default_queue})]
        try:
            with app.connection_for_read() as conn:
                channel = conn.default_channel
                for name in queues:
                    try:
                        size = channel.queue_declare(queue=name, passive=True).message_count
                    except Exception:  # noqa: BLE001 (a queue nobody declared yet holds nothing; kombu raises per transport)
                        size = 0
                    family.add_metric([name], size)
        except OSError:
            return  # the broker is down: readiness says so; the scrape still answers
        yield family


_registered = False


def queue_collector_register() -> None:
    """Register the queue-length collector once per process."""
    global _registered
    if not _registered:
        REGISTRY.register(CeleryQueueLengths())
        _registered = True


_started: dict[str, float] = {}


def _task_started(task_id=None, **kwargs):
    _started[task_id] = time.perf_counter()


def _task_finished(task_id=None, task=None, state=None, **kwargs):
    started = _started.pop(task_id, None)
    if started is not None and task is not None:
        TASK_SECONDS.labels(task=task.name, state=state or "UNKNOWN") \
            .observe(time.perf_counter() - started)


def _worker_exporter(**kwargs):
    port = settings.METRICS_WORKER_PORT
    if port:
        from prometheus_client import start_http_server

        start_http_server(port, addr="127.0.0.1")


def connect_task_signals() -> None:
    """Time every task; a worker started with DJANGO_METRICS_WORKER_PORT serves its metrics."""
    from celery.signals import task_postrun, task_prerun, worker_init

    task_prerun.connect(_task_started, weak=False, dispatch_uid="ops.metrics.started")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="ops.metrics.finished")
    worker_init.connect(_worker_exporter, weak=False, dispatch_uid="ops.metrics.worker")


def metrics_view(request):
    """django-prometheus's exposition, for the monitoring addresses only."""
    from django_prometheus.exports import ExportToDjangoView

    from people.access import client_ip

    if client_ip(request) not in settings.METRICS_ALLOWED_IPS:
        return HttpResponseForbidden("metrics are served to the monitoring addresses only\n",
                                     content_type="text/plain")
    queue_collector_register()
    return ExportToDjangoView(request)
