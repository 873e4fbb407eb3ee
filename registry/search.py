"""Search of people and published items by name, code or pinyin, in the database (docs/design.md §1),
one page at a time; and the listeners that keep each row's stored pinyin key (registry.pinyin)
equal to its name on every insert and update."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, inspect, or_, select

from registry.models import Department, Hall, ItemVersion, Person, Place
from registry.pinyin import normalize_query, pinyin_key


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
@event.listens_for(ItemVersion, "before_insert")
@event.listens_for(ItemVersion, "before_update")
def _fill_pinyin(mapper, connection, target) -> None:
    """On insert, and on an update that changes the name (an update of other fields leaves the
    deferred key unloaded and unwritten)."""
    state = inspect(target)
    if state.persistent and not state.attrs.name.history.has_changes():
        return
    target.pinyin = pinyin_key(target.name)


@dataclass
class Page:
    """One page of a list (the pages' paging and the window's searches): its rows, which page,
    how many a page, how many in all."""

    rows: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _matching(q: str, *columns):
    """Rows whose name contains `q`, or whose code or pinyin key does (LIKE, wildcards escaped)."""
    key = normalize_query(q)
    if not key:
        return None
    return or_(*(func.lower(c).contains(key, autoescape=True) for c in columns))


def _narrowed(stmt, cond, department_column, department: str | None, key_column, keys: list[Any] | None):
    """`stmt` narrowed to the rows matching `cond` (None: all), of `department` (if given) and
    whose key is one of `keys` (if given)."""
    if cond is not None:
        stmt = stmt.where(cond)
    if department:
        stmt = stmt.where(department_column == department)
    if keys is not None:
        stmt = stmt.where(key_column.in_(keys))
    return stmt


def newest_published():
    """The newest published version of every item, as a subquery (code, v)."""
    return (
        select(ItemVersion.code, func.max(ItemVersion.version).label("v"))
        .where(ItemVersion.status == "published")
        .group_by(ItemVersion.code)
        .subquery()
    )


def _page(session, stmt, order, page: int, per_page: int) -> Page:
    """One page of `stmt` and the count of all its rows (counted over the key column alone)."""
    page = max(1, page)
    key = stmt.column_descriptions[0]["entity"].id
    total = session.scalar(stmt.with_only_columns(func.count(key), maintain_column_froms=True)) or 0
    rows = session.execute(stmt.order_by(*order).offset((page - 1) * per_page).limit(per_page))
    return Page([tuple(r) for r in rows], page, per_page, total)


def search_items(
    session,
    q: str = "",
    *,
    department: str | None = None,
    page: int = 1,
    per_page: int = 20,
    codes: list[str] | None = None,
) -> Page:
    """Published items (newest version) whose name, code or pinyin holds `q`, with their
    department's name, by department and code."""
    newest = newest_published()
    stmt = (
        select(ItemVersion, Department.name)
        .join(newest, (ItemVersion.code == newest.c.code) & (ItemVersion.version == newest.c.v))
        .join(Department, Department.code == ItemVersion.department)
    )
    stmt = _narrowed(
        stmt,
        _matching(q, ItemVersion.name, ItemVersion.code, ItemVersion.pinyin),
        ItemVersion.department,
        department,
        ItemVersion.code,
        codes,
    )
    return _page(session, stmt, (ItemVersion.department, ItemVersion.code), page, per_page)


def of_hall(hall: str):
    """People of a hall (docs/design.md §1: a window reads the people of its hall): those of a
    department with a place in the hall, and of the department that hosts it (its comprehensive
    windows' staff)."""
    has_place = select(Place.code).where(Place.hall == hall, Place.department == Person.department).exists()
    hosts = select(Hall.code).where(Hall.code == hall, Hall.host_department == Person.department).exists()
    return or_(has_place, hosts)


def hall_of_place(session, place: str | None) -> str | None:
    """The hall a place is in (None: no place, or a place in no hall)."""
    return session.scalar(select(Place.hall).where(Place.code == place)) if place else None


def search_people(
    session,
    q: str = "",
    *,
    department: str | None = None,
    page: int = 1,
    per_page: int = 20,
    ids: list[int] | None = None,
    hall: str | None = None,
) -> Page:
    """People whose name or pinyin holds `q`, with their department's name; of `hall`, if given."""
    stmt = select(Person, Department.name).join(Department, Department.code == Person.department)
    if hall:
        stmt = stmt.where(of_hall(hall))
    stmt = _narrowed(stmt, _matching(q, Person.name, Person.pinyin), Person.department, department, Person.id, ids)
    return _page(session, stmt, (Person.department, Person.name, Person.id), page, per_page)


def published_item(session, code: str) -> ItemVersion | None:
    """One item's newest published version, or None."""
    newest = newest_published()
    return session.scalar(
        select(ItemVersion)
        .join(newest, (ItemVersion.code == newest.c.code) & (ItemVersion.version == newest.c.v))
        .where(ItemVersion.code == code)
    )
