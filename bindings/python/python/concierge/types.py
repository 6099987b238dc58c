"""The snake_case strings that enumerations cross the boundary as, as `Literal` types for
annotations: ``def show(status: concierge.types.AccountStatus) -> str``."""

from typing import Literal

__all__ = [
    "AccessLevel",
    "AccountAction",
    "AccountStatus",
    "EntityKind",
    "ErrorCode",
    "KeyHolderKind",
    "KeyState",
    "OccupancyPhase",
    "OccupancyRole",
    "OutboxKind",
    "OutboxStatus",
    "Permission",
    "ProviderErrorKind",
    "ResidentSource",
    "SmtpTls",
    "SyncErrorKind",
    "SyncMode",
    "TokenRejection",
]

AccessLevel = Literal["none", "read", "full"]
AccountStatus = Literal["not_invited", "pending_activation", "live", "activation_expired"]
OccupancyPhase = Literal["future", "current", "past"]
ResidentSource = Literal["pms", "strata", "manual"]
OccupancyRole = Literal["primary", "secondary", "occupant"]
OutboxStatus = Literal["pending", "done", "parked", "skipped"]
OutboxKind = Literal["activation_email", "cancel_key"]
SmtpTls = Literal["none", "starttls", "tls"]
SyncMode = Literal["full", "incremental"]
SyncErrorKind = Literal[
    "unit_not_found",
    "invalid_name",
    "invalid_email",
    "invalid_dates",
    "duplicate_resident",
    "conflicting_occupancy",
    "unreadable_record",
]
Permission = Literal["integrations", "residence"]
KeyHolderKind = Literal["resident", "spare"]
KeyState = Literal["encoding", "active", "cancelled", "replaced"]
AccountAction = Literal["invite", "activate"]
TokenRejection = Literal["invalid", "expired", "already_used", "superseded"]
EntityKind = Literal[
    "property",
    "building",
    "unit",
    "resident",
    "spare_holder",
    "key",
    "visitor_pass",
    "admin",
    "sync_run",
    "outbox_entry",
]
ProviderErrorKind = Literal[
    "timeout",
    "connection",
    "rate_limited",
    "unavailable",
    "unauthorized",
    "forbidden",
    "not_found",
    "rejected",
    "invalid_response",
    "device_busy",
    "device_offline",
    "no_card",
    "other",
]
ErrorCode = Literal[
    "PERMISSION_DENIED",
    "INVALID_TRANSITION",
    "TOKEN_REJECTED",
    "NOT_FOUND",
    "VALIDATION",
    "CONFLICT",
    "PROVIDER",
    "STORE",
    "CLOSED",
]
