"""The evidence store beside the PostgreSQL log. The store is a SQLite file in each instance's
data_dir, immutable once imported: instances on one machine share it, instances on several
machines each hold a copy. Every copy must be the same file, so the log records its sha256
(`qbot import` does, and the first instance to start), and `qbot serve` refuses a copy that
differs, saying where the right one is to come from."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from pathlib import Path

from qbot.clock import utcnow
from qbot.pglog.connect import connect

_RECORD = ("INSERT INTO evidence_copy (sha256, recorded_at, recorded_by) VALUES ($1, $2, $3) "
           "ON CONFLICT (one) DO UPDATE SET sha256 = EXCLUDED.sha256, recorded_at = EXCLUDED.recorded_at, "
           "recorded_by = EXCLUDED.recorded_by")


def file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _where(path: Path) -> str:
    return f"{socket.gethostname()}:{path.resolve()}"


async def check(url: str, path: Path) -> str | None:
    """Why this copy of the evidence must not be served, or None. The first copy checked is
    recorded as the deployment's."""
    digest = await asyncio.to_thread(file_sha256, path)
    conn = await connect(url)
    try:
        await conn.execute("INSERT INTO evidence_copy (sha256, recorded_at, recorded_by) VALUES ($1, $2, $3) "
                           "ON CONFLICT (one) DO NOTHING", digest, utcnow(), _where(path))
        row = await conn.fetchrow("SELECT sha256, recorded_at, recorded_by FROM evidence_copy")
    finally:
        await conn.close()
    if row["sha256"] == digest:
        return None
    return (f"{path} (sha256 {digest[:16]}…) is not the evidence store the other instances of this log serve "
            f"(sha256 {row['sha256'][:16]}…, recorded {row['recorded_at']} from {row['recorded_by']}); copy that "
            "file here, or, after a new `qbot import`, copy the imported file to every instance")


async def record(url: str, path: Path) -> str:
    """After an import: this copy is now the deployment's; its sha256."""
    digest = await asyncio.to_thread(file_sha256, path)
    conn = await connect(url)
    try:
        await conn.execute(_RECORD, digest, utcnow(), _where(path))
    finally:
        await conn.close()
    return digest
