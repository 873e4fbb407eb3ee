"""The sign-in and receipt-check limits, counted by every worker together in the database
(registry.services.throttle), for the pages and the API alike.

A sign-in attempt is counted before its password is checked, in one locked transaction with
the check (so a concurrent burst of guesses gets exactly the limit through), against two
limits: per address and account name, and per address across all names (one address trying
many names). A sign-in that succeeds takes its count back.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from registry.db import transaction, utcnow
from registry.services import throttle
from registry.services.throttle import Limit

LOGIN = Limit("login", 5, timedelta(minutes=5))  # failed sign-ins per address and name
LOGIN_ADDRESS = Limit("login-address", 20, timedelta(minutes=5))  # per address, whatever the names
RECEIPT_CHECK = Limit("verify", 60, timedelta(minutes=1))  # anonymous receipt checks per address


def _login_key(address: str, name: str) -> str:
    return f"{address}\x00{name.strip().lower()}"


def _counting(rt: Any):
    """A write transaction for the counts. Not the runtime's filing session: a count is no
    registry change, so it must not make this worker re-read the change feed."""
    return transaction(rt.sessions)


def login_attempt(rt: Any, address: str, name: str) -> float:
    """Count one sign-in attempt; the seconds to wait instead (nothing counted) when this
    address is over either limit. 0: go on and check the password."""
    with _counting(rt) as session:
        return throttle.take(session, [(LOGIN_ADDRESS, address), (LOGIN, _login_key(address, name))], utcnow())


def login_succeeded(rt: Any, address: str, name: str) -> None:
    """The attempt was right: forget this name's failures, and take the attempt back from the
    address's count (a hall's clerks sign in from one address)."""
    with _counting(rt) as session:
        throttle.lock(session, LOGIN_ADDRESS, address)
        throttle.clear(session, LOGIN, _login_key(address, name))
        throttle.forget_newest(session, LOGIN_ADDRESS, address)


def receipt_check_allowed(rt: Any, address: str) -> bool:
    """Count one anonymous receipt check from `address`; False once it is over the limit."""
    with _counting(rt) as session:
        return throttle.hit(session, RECEIPT_CHECK, address, utcnow())
