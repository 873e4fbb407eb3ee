"""What a pack may use: actions (from the shared vocabulary), grantee kinds, and the fields conditions may read.

Kept in one place so the pack validator can refuse a typo (an unknown action or field) with
the file and line, instead of a rule that silently never fires.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import vocab

# Actions of docs/design.md §4 with their Chinese labels (used in explanations), and the minimum grants.
ACTIONS: dict[str, str] = vocab.ACTIONS
# Acts no authorization grants, answered by the engine beside ACTIONS (帮办代办, rules.agency).
CASE_ACTIONS: dict[str, str] = vocab.CASE_ACTIONS
WINDOW_ACTIONS = vocab.WINDOW_ACTIONS
CHIEF_REP_MINIMUM = vocab.CHIEF_REP_MINIMUM
GOV_SERVICE_MINIMUM = vocab.GOV_SERVICE_MINIMUM

# Who a grant rule confers its action on.
#   person      - the grantee person of a chief-representative authorization (A/B posts)
#   gov_service - people of the government service department, through a {"gov_service": true} authorization
#   own_staff   - a department's own people (no authorization needed; e.g. at its own window)
#   delegation  - people of the government service department, through a delegation (事进人不进)
GRANTEE_KINDS = ("person", "gov_service", "own_staff", "delegation")
POSTS = (*vocab.POSTS, "none")
RULE_KINDS = ("grant", "prohibition", "finding")
STRENGTHS = ("must", "in_principle")
SEVERITIES = ("high", "medium", "low", "info")

ITEM_TYPES = tuple(vocab.ITEM_TYPES)
CASE_TYPES = tuple(vocab.CASE_TYPES)
COMPLEXITY = tuple(vocab.COMPLEXITY)
ONLINE_DEPTHS = tuple(vocab.ONLINE_DEPTHS)
PLACE_KINDS = tuple(vocab.PLACE_KINDS)
SEAL_KINDS = tuple(vocab.SEAL_KINDS)
DEPARTMENT_KINDS = tuple(vocab.DEPARTMENT_KINDS)
ITEM_STATUS = tuple(vocab.ITEM_STATUSES)
SECTION_FITS = ("same", "other", "general")  # place.section_fit: a comprehensive window's section against the item's
SEAL_HOLDERS = ("self", "backed_a", "other")  # seal.held_by: who keeps the seal at `at`


@dataclass(frozen=True)
class Field:
    """One field a condition may read: its namespace, type and (for enums) allowed values."""

    name: str
    type: str  # enum | bool | str | int
    values: tuple[str, ...] | None = None
    doc: str = ""

    @property
    def namespace(self) -> str:
        return self.name.split(".", 1)[0]


# What a field means, where its name does not say it all.
_DOCS = {
    "item.on_application": "依申请",
    "item.in_application_class": "依申请类 (XT-2): on application and not penalty/coercion/inspection",
    "item.entered": "the item names a hall it entered",
    "item.effective": "published and effective_from <= at",
    "item.delegated": "its department delegated it to the government service department at `at`",
    "item.exempted": "an approved exemption holds at `at`",
    "place.in_hall": "a hall window or the platform",
    "place.section_fit": "a comprehensive window's function section against the item's: same, other, or general "
    "(no section)",
    "place.own_department": "the place belongs to the item's department",
    "seal.item_department": "the seal belongs to the item's department",
    "seal.held_by": "custody at `at`: the acting person, the A post this B post acts for, or someone else",
    "grant.valid": "within valid_from/valid_to and not revoked at `at`",
    "grant.covers_item": "the item is in the authorization's scope",
    "case.accepted_elsewhere": "the same application is already accepted at another place (两头受理)",
    "case.platform_record": "the case has a platform record (not 体外循环)",
    "case.held": "onehall holds the case the request names",
    "case.properly_accepted": "a held case accepted at a hall place or on the platform, with its platform record (or "
    "pending one within an outage), and not a second open acceptance of its application; true for a case not held",
    "case.pending_platform": "accepted during a platform outage, its platform record not yet in",
    "item.entered_now": "the item entered a hall, from the effective date of the version that set it",
}


def _fields(spec: dict[str, dict[str, str | Iterable[str]]]) -> dict[str, Field]:
    """The fields of {namespace: {name: "str", "bool", or an enum's values}}, by their full name."""
    out: dict[str, Field] = {}
    for ns, names in spec.items():
        for name, kind in names.items():
            full = f"{ns}.{name}"
            if isinstance(kind, str):
                out[full] = Field(full, kind, None, _DOCS.get(full, ""))
            else:
                out[full] = Field(full, "enum", tuple(kind), _DOCS.get(full, ""))
    return out


FIELDS: dict[str, Field] = _fields(
    {
        # the item asked about (实施清单)
        "item": {
            "code": "str",
            "department": "str",
            "item_type": ITEM_TYPES,
            "on_application": "bool",
            "in_application_class": "bool",
            "case_type": CASE_TYPES,
            "report_up": "bool",
            "joint": "bool",
            "complexity": COMPLEXITY,
            "has_fees": "bool",
            "online_depth": ONLINE_DEPTHS,
            "function_section": "str",
            "entered": "bool",
            "entry_hall_kind": vocab.HALL_KINDS,
            "status": ITEM_STATUS,
            "effective": "bool",
            "delegated": "bool",
            "exempted": "bool",
            "entered_now": "bool",
        },
        # the place of the act
        "place": {
            "kind": PLACE_KINDS,
            "hall": "str",
            "department": "str",
            "function_section": "str",
            "in_hall": "bool",
            "section_fit": SECTION_FITS,
            "own_department": "bool",
        },
        # the seal used
        "seal": {"kind": SEAL_KINDS, "department": "str", "item_department": "bool", "held_by": SEAL_HOLDERS},
        # the person acting
        "person": {
            "department": "str",
            "department_kind": DEPARTMENT_KINDS,
            "same_department_as_item": "bool",
            "position": "str",
        },
        # the authorization (grant) relied on, or the nearest one
        "grant": {"post": POSTS, "valid": "bool", "covers_item": "bool"},
        # the case, when the request names one
        "case": {
            "accepted_elsewhere": "bool",
            "platform_record": "bool",
            "held": "bool",
            "properly_accepted": "bool",
            "pending_platform": "bool",
        },
    }
)

# Namespaces a request may leave out; conditions on them are reported as `unchecked`.
OPTIONAL_NAMESPACES = ("place", "seal", "case")

OPERATORS = ("in", "not_in", "eq", "ne", "matches")

# The clause ids of docs/design.md §5; a rule, finding or scenario names one of these.
KNOWN_CLAUSES = (
    "XT-2",
    "XT-3.1",
    "XT-3.2",
    "XT-3.3.1",
    "XT-3.3.2",
    "XT-3.3.3",
    "XT-3.4.lists",
    "XT-3.4.catch_all",
    "XT-3.4.resubmit",
    "XT-3.4.time",
    "XT-3.4.aggregate",
    "XT-3.4.instant",
    "XT-3.5",
    "XT-3.6",
    "XT-4.1",
    "XT-4.2",
    "XT-4.3",
    "XT-5.2",
    "XT-5.3",
    "XT-ANNEX",
)

# The compliance checks a `finding` rule may name (implemented in rules.compliance).
FINDING_CHECKS = (
    "item_condition",  # every item matching `when` is a finding
    "item_not_entered",  # XT-3.1 应进必进
    "exemption_not_approved",  # XT-3.1
    "sub_hall_not_approved",  # XT-3.3.1 after 市民之家 opens
    "sub_hall_not_retained",  # XT-3.3.1 before 市民之家 opens: the plan's six or approved
    "case_outside_hall",  # XT-3.3.1 internal office / 体外循环
    "case_two_headed",  # XT-3.3.1 两头受理
    "no_approval_section",  # XT-3.2
    "chief_rep_not_head",  # XT-3.3.2
    "no_b_post",  # XT-3.3.2
    "both_posts_absent",  # XT-3.3.2 空岗
    "chief_rep_not_filed",  # XT-3.3.2
    "delegation_not_low_volume",  # XT-3.3.2
    "section_not_entered_whole",  # XT-3.3.2
    "business_section_not_entered_whole",  # XT-3.3.2 after 市民之家 opens
    "chief_rep_grant_short",  # XT-5.3 授权不到位 (XT-3.3.3 minimum)
    "gov_service_grant_short",  # XT-5.3 授权不到位
    "time_compression",  # XT-3.4.time
    "aggregate_reduction",  # XT-3.4.aggregate
    "commitment_should_be_instant",  # XT-3.4.instant
    "catch_all_material",  # XT-3.4.catch_all
    "material_resubmitted",  # XT-3.4.resubmit
    "fee_not_reviewed",  # XT-3.4.lists
    "item_not_published",  # XT-3.4.lists
    "joint_without_countersign",  # XT-3.5
    "agency_not_entitled",  # XT-3.5 帮办代办 (and XT-3.2 代办 by the approval section)
    "section_item_not_served",  # XT-3.5
    "entry_incomplete",  # XT-4.3
    "nominal_entry",  # XT-5.3
    "late_filed",  # XT-5.3 补录
    "annex_unit_not_entered",  # XT-ANNEX
)

PARAMETERS = (
    "compression",
    "ab_mode",
    "whole_chain_sections",
    "office_hours",
    "rule_start_dates",
    "aggregate_reduction",
    "instant_threshold_days",
    "response_hours",
    "step_backdate_hours",
    "catch_all_patterns",
    "head_positions",
    "catch_all",
    "retained_sub_halls",
)
