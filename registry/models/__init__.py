"""SQLAlchemy models of docs/design.md §3, one module per area."""

from registry.db import Base
from registry.models.org import CitizensHomeOpening, Department, Hall, HallApproval, Person, Place, Section, StaffFiling
from registry.models.catalog import DirectoryItem, FeeReview, FunctionSection, ItemReview, ItemVersion
from registry.models.grants import (
    Absence,
    Authorization,
    Delegation,
    Exemption,
    ExemptionDecision,
    PolicyException,
    Revocation,
    Seal,
    SealCustody,
)
from registry.models.operations import Alert, Case, CaseStep, EntryPlan, EntryPlanStep, SealUse
from registry.models.calendar import CalendarDay, CalendarYear
from registry.models.accounts import ApiToken, User, UserSession
from registry.models.ledger import Checkpoint, CheckpointCosignature, LogEntry, LogNode, RecordSalt, WitnessStatus
from registry.models.system import DecisionBatch, PackVersion, PersonalDataRead, RegistryChange, ThrottleHit
from registry.models.oversight import Finding, FindingEvent
from registry.models.audit import AuditRun
from registry.models.custody import CustodyKey, DeploymentSetting
from registry.models.platform import PlatformApplication, PlatformOutage
from registry.models.materials import MaterialEntry

__all__ = [
    "Base",
    "CitizensHomeOpening",
    "Department",
    "Hall",
    "HallApproval",
    "Person",
    "Place",
    "Section",
    "StaffFiling",
    "DirectoryItem",
    "FeeReview",
    "FunctionSection",
    "ItemReview",
    "ItemVersion",
    "Absence",
    "Authorization",
    "Delegation",
    "Exemption",
    "ExemptionDecision",
    "PolicyException",
    "Revocation",
    "Seal",
    "SealCustody",
    "Alert",
    "Case",
    "CaseStep",
    "EntryPlan",
    "EntryPlanStep",
    "SealUse",
    "CalendarDay",
    "CalendarYear",
    "ApiToken",
    "User",
    "UserSession",
    "Checkpoint",
    "CheckpointCosignature",
    "WitnessStatus",
    "LogEntry",
    "LogNode",
    "RecordSalt",
    "DecisionBatch",
    "PackVersion",
    "PersonalDataRead",
    "RegistryChange",
    "ThrottleHit",
    "Finding",
    "FindingEvent",
    "CustodyKey",
    "DeploymentSetting",
    "AuditRun",
    "PlatformApplication",
    "PlatformOutage",
    "MaterialEntry",
]

# Registers the session listeners that signal committed changes to every worker.
from registry import change_signal  # noqa: E402,F401  (after the models it reads)

# Keeps the stored pinyin keys of people and items equal to their names on every write.
from registry import search  # noqa: E402,F401
