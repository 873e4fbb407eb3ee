"""The sign-in and receipt-check limits, counted by every worker together in the database
(registry.services.throttle), for the pages and the API alike."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from registry.db import transaction, utcnow
from registry.services import throttle
from registry.services.throttle import Limit

LOGIN = Limit("login", 5, timedelta(minutes=5))              # failed sign-ins per address and name
RECEIPT_CHECK = Limit("verify", 60, timedelta(minutes=1))    # anonymous receipt checks per address


def _login_key(address: str, name: str) -> str:
    return f"{address}\x00{name.strip().lower()}"


def login_wait(rt: Any, address: str, name: str) -> float:
    """Seconds before this address may try this user name again (0: it may now)."""
    with rt.reading() as session:
        return throttle.wait(session, LOGIN, _login_key(address, name), utcnow())


def _counting(rt: Any):
    """A write transaction for the counts. Not the runtime's filing session: a count is no
    registry change, so it must not make this worker re-read the change feed."""
    return transaction(rt.sessions)


def login_failed(rt: Any, address: str, name: str) -> None:
    with _counting(rt) as session:
        throttle.record(session, LOGIN, _login_key(address, name), utcnow())


def login_succeeded(rt: Any, address: str, name: str) -> None:
    with _counting(rt) as session:
        throttle.clear(session, LOGIN, _login_key(address, name))


def receipt_check_allowed(rt: Any, address: str) -> bool:
    """Count one anonymous receipt check from `address`; False once it is over the limit."""
    with _counting(rt) as session:
        return throttle.hit(session, RECEIPT_CHECK, address, utcnow())
