"""A running turn's committed events, handed to every stream that follows it (the POST's own,
resumed ones), each through its own bounded inbox (qbot.buffers.Subscriber)."""

from __future__ import annotations

import asyncio

from qbot.buffers import ClientBuffers, Subscriber
from qbot.events import Event


class Fanout:
    def __init__(self, buffers: ClientBuffers, inbox_bytes: int, committed_id: int) -> None:
        self._buffers = buffers
        self._inbox_bytes = inbox_bytes
        self.subscribers: set[Subscriber] = set()
        self.committed_id = committed_id  # the last id the log holds: a follower is done past it
        self.ended = asyncio.Event()  # set once the last event has been published

    def subscribe(self) -> Subscriber:
        subscriber = Subscriber(self._buffers, self._inbox_bytes)
        self.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def publish(self, events: list[Event]) -> None:
        """Called once the log has committed `events`."""
        if not events:
            return
        self.committed_id = events[-1].id
        for subscriber in self.subscribers:
            subscriber.offer(events)

    def end(self) -> None:
        self.ended.set()

    def end_unrecorded(self, ending: list[Event]) -> None:
        """The turn ends with events the log does not hold: sent, and no more after them."""
        self.ended.set()  # first: the streams see the turn ended when the ending arrives
        for subscriber in self.subscribers:
            subscriber.offer(ending)
            subscriber.close()
