"""The typed answer of `Engine.decide` (docs/design.md §8's POST /decisions shape).

A `Decision` holds what the engine found (allowed or not, which rule, which authorization, what
went unchecked) as attributes, and reads as the JSON object the API sends (a read-only mapping:
`d["allowed"]`, `dict(d)`, `d.to_dict()`). Its words (`reasons` with their Chinese detail, and
`why_not`) are built the first time they are read (rules.explain), not on the question's path:
most programs asking a question read `allowed` and nothing else. Words describe the facts as they
are when first read: a host that changes its facts reads an answer's words first (application.policy
renders every answer it gives out at once).

`DecisionJSON` is the same shape as a JSON schema source: the API's OpenAPI document takes the
response schema of POST /decisions from it (web.api.openapi), so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from operator import attrgetter
from typing import Literal, Optional, Union

from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on Python < 3.12

from .shapes import JSON


class Reason(TypedDict):
    rule: str
    clause: str
    text: str
    detail: str


class WhyNot(TypedDict):
    rule: Optional[str]
    clause: Optional[str]
    failed: str
    text: str


class AuthorizationRef(TypedDict):
    id: Union[int, str]
    log_index: Optional[int]


class PolicyRef(TypedDict):
    pack: str
    version: str
    digest: str


Kind = Literal["allow", "forbidden", "not_granted"]


class DecisionJSON(TypedDict):
    """One decision as the API and the decision log carry it."""

    decision_id: Optional[str]
    allowed: bool
    kind: Kind
    reasons: list[Reason]
    why_not: Optional[WhyNot]
    authorization: Optional[AuthorizationRef]
    acting_for: Optional[int]
    unchecked: list[str]
    policy: PolicyRef


KEYS: tuple[str, ...] = tuple(DecisionJSON.__annotations__)
_GETTERS = {key: attrgetter(key) for key in KEYS}


class LoggedRequest(TypedDict):
    """A question as `Engine.decision_log` receives it (and `rules.replay` asks it again); times as epoch seconds."""

    person: JSON  # the person id as asked (an int in the registry)
    action: str
    item: str
    at: float
    known_at: float
    place: Optional[str]
    seal: Optional[str]
    case: Optional[str]


Words = tuple[list[Reason], Optional[WhyNot]]
# (renderer, *args): renderer(*args) gives (reasons, why_not), called when the words are first read
Render = tuple[Callable[..., Words], *tuple[object, ...]]


class Decision(Mapping[str, JSON]):
    """May this person do this act on this item here and now, and why (see the module docstring)."""

    __slots__ = (
        "decision_id",
        "allowed",
        "kind",
        "authorization",
        "acting_for",
        "unchecked",
        "policy",
        "rule",
        "_render",
        "_reasons",
        "_why_not",
        "_dict",
    )

    decision_id: Optional[str]
    allowed: bool
    kind: Kind
    authorization: Optional[AuthorizationRef]
    acting_for: Optional[int]
    unchecked: list[str]
    policy: PolicyRef
    rule: Optional[str]  # the rule that decided (the grant that holds, the first prohibition, the nearest grant)

    def __init__(
        self,
        decision_id: Optional[str],
        allowed: bool,
        kind: Kind,
        authorization: Optional[AuthorizationRef],
        acting_for: Optional[int],
        unchecked: list[str],
        policy: PolicyRef,
        rule: Optional[str],
        render: Render,
    ):
        self.decision_id, self.allowed, self.kind = decision_id, allowed, kind
        self.authorization, self.acting_for, self.unchecked, self.policy = authorization, acting_for, unchecked, policy
        self.rule = rule
        self._render: Optional[Render] = render
        self._dict: Optional[DecisionJSON] = None

    def _words(self) -> None:
        render = self._render
        if render is not None:
            self._reasons, self._why_not = render[0](*render[1:])
            self._render = None

    @property
    def reasons(self) -> list[Reason]:
        self._words()
        return self._reasons

    @property
    def why_not(self) -> Optional[WhyNot]:
        self._words()
        return self._why_not

    def to_dict(self) -> DecisionJSON:
        """The decision as a plain JSON-ready dict (built once)."""
        d = self._dict
        if d is None:
            self._words()
            d = self._dict = DecisionJSON(
                decision_id=self.decision_id,
                allowed=self.allowed,
                kind=self.kind,
                reasons=self._reasons,
                why_not=self._why_not,
                authorization=self.authorization,
                acting_for=self.acting_for,
                unchecked=self.unchecked,
                policy=self.policy,
            )
        return d

    # -- read as the JSON object ---------------------------------------------------------------
    def __getitem__(self, key: str) -> JSON:
        get = _GETTERS.get(key)
        if get is None:
            raise KeyError(key)
        return get(self)

    def __iter__(self) -> Iterator[str]:
        return iter(KEYS)

    def __len__(self) -> int:
        return len(KEYS)

    def __contains__(self, key: object) -> bool:
        return key in KEYS

    def __repr__(self) -> str:
        return f"Decision({self.to_dict()!r})"
