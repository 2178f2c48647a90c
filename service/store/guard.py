"""Translate "the database is gone" into :class:`~service.errors.StoreUnavailable` (a 503).

SQLAlchemy's messages carry the SQL and its parameters (patient references), so they never
reach a response or a log line: the response says only that the database is not available,
and the log names the driver's exception class.
"""

from __future__ import annotations

import logging
import typing as t
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc

from ..errors import StoreUnavailable

__all__ = ["QUERY_CANCELED", "UNAVAILABLE", "database_errors"]

logger = logging.getLogger(__name__)

#: the errors that mean the database cannot be used now, but may be again later: a refused or
#: dropped connection, a locked SQLite file, an exhausted pool.
UNAVAILABLE: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
)


#: PostgreSQL's SQLSTATE for a statement cancelled, by ``statement_timeout`` among others.
QUERY_CANCELED = "57014"


@contextmanager
def database_errors() -> t.Iterator[None]:
    """Run the block; turn a connection-level database error into ``StoreUnavailable``.

    A statement cancelled by PostgreSQL's ``statement_timeout`` is one too (a 503 saying so):
    the database is busy, not the request malformed.
    """
    try:
        yield
    except UNAVAILABLE as exc:
        cause = getattr(exc, "orig", None) or exc
        if getattr(cause, "sqlstate", None) == QUERY_CANCELED:
            logger.warning(
                "database statement cancelled: %s (statement timeout)", type(cause).__name__
            )
            raise StoreUnavailable(
                "the database did not answer in time (statement timeout); retry later, or "
                "narrow the search"
            ) from exc
        logger.warning("database unavailable: %s", type(cause).__name__)
        raise StoreUnavailable("the database is not available; retry later") from exc
