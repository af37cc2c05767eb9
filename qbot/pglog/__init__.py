"""The conversation log on PostgreSQL (`log.url: postgresql://…`): the second implementation of
`qbot.logapi.ConversationLog`, for several qbot processes on one database.

- `connect`: the pool, the instance's id, and the one-line error for a database out of reach;
- `schema`: the numbered migrations of `migrations/pglog`;
- `writer`: the group commit of the turns' events and endings (one transaction for many turns);
- `log`: starting a turn (the claim and its lease), interrupted turns, stops, renaming, deleting;
- `reads`: the reading queries;
- `doorbell`: LISTEN/NOTIFY, telling other instances that a conversation has new events;
- `verify`: `qbot verify` on this log.

Ownership of a running turn is a lease on its row (instance id, expiry by the database's clock)
taken in the transaction that records the turn and renewed while it runs; no session-level
advisory lock, so the log works behind PgBouncer's transaction pooling (1.21 or later, for its
prepared statements; the LISTEN connection of the doorbell excepted, which needs a direct one).

Most of the log's CPU here is round trips (each a send, a receive and a wake-up of the event
loop), not SQL: a start is five, a batch of writes four however many turns it holds."""


class LogUnreachable(Exception):
    """The database of `log.url` cannot be reached or refuses qbot. Here, not in `connect`, so the
    command line can name it without importing the driver."""
