"""Image files where several hosts can reach them: in the database, or in an S3-compatible
bucket. Both implement ``ImageStore`` as ``LocalImageStore`` does (``save``, ``load``,
``delete``, ``names``), and raise ``OSError`` when the store itself fails."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import obstore
import sqlalchemy as sa
from obstore.exceptions import BaseError
from obstore.store import S3Store
from sqlalchemy.dialects import postgresql, sqlite

from rostra.domain.images import MEDIA_CACHE_CONTROL
from rostra.storage.database import Database
from rostra.storage.images import checked_name, is_stored_name
from rostra.storage.tables import media_blobs

# S3 deletes at most 1,000 keys per request.
DELETE_BATCH = 1000


class DatabaseImageStore:
    """``ImageStore`` in the ``media_blobs`` table of Rostra's own database: a multi-host site
    needs no service beyond the ones it already has. One row per file, written in one
    statement, so a reader never sees half a file."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def save(self, name: str, data: bytes, media_type: str) -> None:
        values = {
            "name": checked_name(name),
            "media_type": media_type,
            "data": data,
            "created_us": time.time_ns() // 1000,
        }
        dialect = postgresql if not self._database.is_sqlite else sqlite
        insert = dialect.insert(media_blobs).values(**values)
        # Saving the same name again (a copy that is run twice) replaces the bytes.
        statement = insert.on_conflict_do_update(
            index_elements=["name"], set_={"data": insert.excluded.data}
        )
        async with self._database.write(bulk=True) as tx:
            await tx.connection.execute(statement)

    async def load(self, name: str) -> bytes | None:
        if not is_stored_name(name):
            return None
        async with self._database.read() as tx:
            data = await tx.connection.scalar(
                sa.select(media_blobs.c.data).where(media_blobs.c.name == name)
            )
        return bytes(data) if data is not None else None

    async def delete(self, names: Sequence[str]) -> None:
        wanted = [checked_name(name) for name in names]
        if not wanted:
            return
        async with self._database.write(bulk=True) as tx:
            await tx.connection.execute(media_blobs.delete().where(media_blobs.c.name.in_(wanted)))

    async def names(self) -> list[str]:
        async with self._database.read() as tx:
            rows = await tx.connection.execute(
                sa.select(media_blobs.c.name).order_by(media_blobs.c.name)
            )
            return [row.name for row in rows]

    async def check(self) -> str:
        try:
            async with self._database.read() as tx:
                await tx.connection.execute(sa.select(media_blobs.c.name).limit(1))
        except sa.exc.SQLAlchemyError as exc:
            reason = type(getattr(exc, "orig", None) or exc).__name__
            raise OSError(f"the table {media_blobs.name} cannot be read ({reason})") from exc
        return f"table {media_blobs.name}"


def s3_store(bucket: str, prefix: str, environ: Mapping[str, str]) -> S3Store:
    """obstore's S3 client for ``bucket``, configured from the standard ``AWS_*`` variables
    (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION``,
    ``AWS_ENDPOINT_URL`` …; on AWS also the instance or task role). An ``http://`` endpoint
    (a local MinIO, say) is allowed because the operator named it."""
    endpoint = environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL") or ""
    # A reader waits for /media/{name}: a store that does not answer fails within seconds
    # instead of obstore's default of retrying for three minutes.
    options: dict[str, Any] = {"connect_timeout": "5s", "timeout": "30s"}
    if endpoint.startswith("http://"):
        options["allow_http"] = True
    retry: dict[str, Any] = {"max_retries": 2, "retry_timeout": timedelta(seconds=10)}
    try:
        return S3Store(
            bucket,
            prefix=prefix or None,
            client_options=options,  # type: ignore[arg-type]
            retry_config=retry,  # type: ignore[arg-type]
        )
    except BaseError as exc:
        raise OSError(f"Cannot use the bucket {bucket!r}: {exc}") from exc


class S3ImageStore:
    """``ImageStore`` in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, Backblaze B2 …).
    Each object carries its ``Content-Type`` and a year-long immutable ``Cache-Control``, so a
    bucket or CDN serving the objects directly (``ROSTRA_MEDIA_PUBLIC_URL``) answers as
    ``/media/{name}`` does. One PUT per file: an object is whole or absent."""

    def __init__(self, store: S3Store, location: str) -> None:
        self._store = store
        self.location = location

    async def save(self, name: str, data: bytes, media_type: str) -> None:
        attributes = {"Content-Type": media_type, "Cache-Control": MEDIA_CACHE_CONTROL}
        key = checked_name(name)
        try:
            await obstore.put_async(self._store, key, data, attributes=attributes)
        except (BaseError, ValueError) as exc:
            raise OSError(f"Cannot store {name} in {self.location}: {exc}") from exc

    async def load(self, name: str) -> bytes | None:
        if not is_stored_name(name):
            return None
        try:
            found = await obstore.get_async(self._store, name)
            return bytes(await found.bytes_async())
        except FileNotFoundError:  # obstore's "no such key"
            return None
        except (BaseError, ValueError) as exc:
            raise OSError(f"Cannot read {name} from {self.location}: {exc}") from exc

    async def delete(self, names: Sequence[str]) -> None:
        wanted = [checked_name(name) for name in names]
        try:
            for start in range(0, len(wanted), DELETE_BATCH):
                await obstore.delete_async(self._store, wanted[start : start + DELETE_BATCH])
        except FileNotFoundError:
            pass  # S3 itself ignores missing keys; some compatible stores say so
        except (BaseError, ValueError) as exc:
            raise OSError(f"Cannot remove files from {self.location}: {exc}") from exc

    async def names(self) -> list[str]:
        found: list[str] = []
        try:
            async for batch in obstore.list(self._store, chunk_size=1000):
                found.extend(item["path"] for item in batch if is_stored_name(item["path"]))
        except FileNotFoundError as exc:  # the bucket itself is missing
            raise OSError(f"Cannot list {self.location}: {exc}") from exc
        except (BaseError, ValueError) as exc:
            raise OSError(f"Cannot list {self.location}: {exc}") from exc
        return sorted(found)

    async def check(self) -> str:
        # One listing request for at most one key: the bucket exists and these credentials
        # may read it. The readiness check bounds how long it may take.
        try:
            async for _ in obstore.list(self._store, chunk_size=1):
                break
        except (BaseError, ValueError, FileNotFoundError, PermissionError) as exc:
            raise OSError(f"cannot list {self.location}: {_first_line(exc)}") from exc
        return f"bucket {self.location}"


def _first_line(exc: BaseException) -> str:
    """obstore's messages run over many lines (the whole request); the first says what."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
