"""The door's signed facts: cases, the platform's applications and declared outages (docs/design.md
§12.1, §12.3).

A mixin of registry.signed_facts.SignedState: the handlers that fold the `case`, `case_step`,
`case_platform_record`, `platform_application` and `platform_outage` records. The door decides an
acceptance on these facts alone (registry.services.platform.door_facts, read under the log's lock
once the worker folded every committed record: application.policy.PolicyHost.signed), never on the
rows of `cases`, `platform_applications` or `platform_outages`: an edited row changes no acceptance,
and `onehall audit` names it (registry.audit).

Only cases feed the engine (decisions naming a case); the platform's records are the door's alone
and make no engine change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from registry.signed_time import dt


class CaseFacts:
    """Cases by number (in `tables["cases"]`), with the indexes the door looks them up by, and the
    platform's applications and outages."""

    tables: dict[str, dict[Any, dict[str, Any]]]
    _mark: Callable[[str, Any, int], None]

    def _init_cases(self) -> None:
        self.platform_applications: dict[str, dict[str, Any]] = {}  # platform_no -> application
        self.applications_by_key: dict[tuple[str, str], str] = {}  # (application key, item) -> platform_no
        self.platform_outages: dict[Any, dict[str, Any]] = {}  # id -> outage
        self.cases_by_application: dict[tuple[str, str], set[str]] = {}  # ("key"|"no", value) -> case numbers

    def _index_case(self, row: dict[str, Any]) -> None:
        for kind, value in (("key", row.get("application_key")), ("no", row.get("platform_no"))):
            if value:
                self.cases_by_application.setdefault((kind, value), set()).add(row["number"])

    def _case(self, index, r):
        row = {
            "number": r["number"],
            "item": r.get("item"),
            "department": r.get("department"),
            "place": r.get("place"),
            "accepted_at": dt(r.get("accepted_at")),
            "application_key": r.get("application_key"),
            "platform_record": r.get("platform_record", True),
            "platform_no": r.get("platform_no"),
            "status": "open",
            "pending_platform": bool(r.get("pending_platform")),
        }
        if "platform_due_at" in r:  # logged since issue 13.1; the overdue finding reads it (registry.services.clocks)
            row["platform_due_at"] = dt(r["platform_due_at"])
        self.tables["cases"][row["number"]] = row
        self._index_case(row)
        self._mark("case", row["number"], index)
        return [{"kind": "case", "op": "upsert", "record": row}]

    def _case_change(self, number: Any, **values: Any):
        case = self.tables["cases"].get(number)
        if case is None:
            return []
        row = {**case, **values}
        self.tables["cases"][number] = row
        self._index_case(row)
        return [{"kind": "case", "op": "upsert", "record": row}]

    def _case_step(self, index, r):
        status = {"issued": "closed", "returned": "returned"}.get(r.get("step"))
        return self._case_change(r.get("case"), status=status) if status else []

    def _case_platform_record(self, index, r):
        return self._case_change(
            r.get("case"), platform_no=r.get("platform_no"), pending_platform=False, platform_record=True
        )

    def _platform_application(self, index, r):
        number = r["platform_no"]
        app = {
            "platform_no": number,
            "item": r.get("item"),
            "application_key": r.get("application_key"),
            "applied_at": dt(r.get("applied_at")),
            "log_index": index,
        }
        self.platform_applications[number] = app
        self.applications_by_key.setdefault((app["application_key"], app["item"]), number)
        self._mark("platform_application", number, index)
        return []

    def _platform_outage(self, index, r):
        outage = {"id": r["id"], "start": dt(r.get("start")), "end": dt(r.get("end")), "log_index": index}
        self.platform_outages[r["id"]] = outage
        self._mark("platform_outage", r["id"], index)
        return []

    # -- what the door reads -----------------------------------------------------------------------

    def application_of(self, platform_no: str | None, key: str, item: str) -> dict[str, Any] | None:
        """The platform's record of the application: by its number when given, else by the keyed
        applicant and the item."""
        if platform_no:
            return self.platform_applications.get(platform_no)
        number = self.applications_by_key.get((key, item))
        return None if number is None else self.platform_applications.get(number)

    def open_cases_of(self, keys: set[str], platform_no: str | None) -> list[dict[str, Any]]:
        """The open cases of an application: any of its keys, or its platform number."""
        numbers: set[str] = set()
        for k in keys:
            numbers |= self.cases_by_application.get(("key", k), set())
        if platform_no:
            numbers |= self.cases_by_application.get(("no", platform_no), set())
        cases = self.tables["cases"]
        return sorted((cases[n] for n in numbers if cases[n]["status"] == "open"), key=lambda c: c["number"])

    def pending_cases_of(self, key: str, platform_no: str) -> list[dict[str, Any]]:
        """Open cases accepted during an outage for this application, still awaiting its record."""
        return [c for c in self.open_cases_of({key}, platform_no) if c.get("pending_platform")]

    def outage_at(self, at: datetime) -> dict[str, Any] | None:
        """The declared outage covering `at` (the latest-starting one, when several do)."""
        covering = [o for o in self.platform_outages.values() if o["start"] <= at < o["end"]]
        return max(covering, key=lambda o: o["start"]) if covering else None


HANDLERS: dict[str, Callable[..., list[dict[str, Any]]]] = {
    "case": CaseFacts._case,
    "case_step": CaseFacts._case_step,
    "case_platform_record": CaseFacts._case_platform_record,
    "platform_application": CaseFacts._platform_application,
    "platform_outage": CaseFacts._platform_outage,
}
KINDS = tuple(HANDLERS)  # the record types these facts are folded from
CASE_KINDS = ("case", "case_step", "case_platform_record")
