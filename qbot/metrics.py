"""`GET /metrics` in the Prometheus text format (prometheus_client, one registry per app).

Counts on the hot path are plain integers read at scrape time (an event sent, a log commit);
labelled counts (turns, refusals) and the turn-duration histogram are prometheus_client's own.
What the server holds anyway (running turns, the evidence store's record counts) is read when
scraped, not kept twice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

# Seconds: a question or start turn takes milliseconds, an analysis tens of them, a model minutes.
TURN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.turns = Counter("qbot_turns", "Turns ended, by handler and the state they ended in",
                             ["handler", "state"], registry=self.registry)
        self.turn_seconds = Histogram("qbot_turn_duration_seconds", "Seconds from a turn's start to its ending",
                                      ["handler"], buckets=TURN_BUCKETS, registry=self.registry)
        self.refusals = Counter("qbot_refusals", "Requests refused before any stream, by error code and HTTP status",
                                ["code", "status"], registry=self.registry)
        self.open_streams = 0
        self.events_sent = 0
        self._readings: list[Callable[[], Iterator[Metric]]] = []
        self.registry.register(_Readings(self._readings))

    def turn_ended(self, handler: str, state: str, seconds: float) -> None:
        self.turns.labels(handler, state).inc()
        self.turn_seconds.labels(handler).observe(seconds)

    def refused(self, code: str, status: int) -> None:
        self.refusals.labels(code, str(status)).inc()

    def read_from(self, runner: Any, log: Any, store: Any) -> None:
        """What the app's parts hold, read at each scrape."""

        def read() -> Iterator[Metric]:
            yield GaugeMetricFamily("qbot_running_turns", "Turns running now", value=len(runner.running))
            yield GaugeMetricFamily("qbot_open_streams", "Event streams open to clients now", value=self.open_streams)
            yield CounterMetricFamily("qbot_events_sent", "Events sent to clients (each client counts)",
                                      value=self.events_sent)
            yield GaugeMetricFamily("qbot_slow_client_bytes", "Bytes held in memory for clients that have not read "
                                    "them yet, all together (limits.slow_clients_bytes)", value=runner.buffers.total)
            yield CounterMetricFamily("qbot_slow_clients_dropped", "Streams closed because all slow clients together "
                                      "held more than limits.slow_clients_bytes", value=runner.buffers.dropped)
            yield CounterMetricFamily("qbot_log_commits", "Transactions committed to the conversation log",
                                      value=log.commits)
            yield GaugeMetricFamily("qbot_log_backlog_events", "Events queued for the log that its writer has not "
                                    "taken yet (producers wait past 20,000)", value=log.backlog)
            # By kind only: case ids (often case numbers) are not for whoever can reach /metrics.
            records = GaugeMetricFamily("qbot_evidence_records", "Records imported into the evidence store, by kind "
                                        "(calls, messages, contacts), over all cases", labels=["kind"])
            totals: dict[str, int] = {}
            for nodes in store.catalog().values():
                for node in nodes:
                    totals[node.kind] = totals.get(node.kind, 0) + node.count
            for kind, count in sorted(totals.items()):
                records.add_metric([kind], count)
            yield records

        self._readings.append(read)

    def exposition(self) -> tuple[bytes, str]:
        """The text to answer a scrape with, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class _Readings:
    def __init__(self, readings: list[Callable[[], Iterator[Metric]]]) -> None:
        self._readings = readings

    def collect(self) -> Iterator[Metric]:
        for read in self._readings:
            yield from read()
