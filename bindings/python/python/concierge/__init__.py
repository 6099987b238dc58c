"""Concierge: residents, accounts and building integrations for residential building staff.

``Concierge`` blocks; ``AsyncConcierge`` returns awaitables; both have the same methods
(docs/api.md). Start on the sandbox::

    from concierge import Admin, Concierge

    concierge = Concierge.sandbox(seed=7)
    admin = Admin.full_access("Front desk")
    prop = concierge.register_property(admin, "Harbour View", "harbour-view")

Keep the state in a file with ``Concierge.open(path, smtp=...)`` (or ``open_sandbox``), in
PostgreSQL with ``Concierge.connect(url, smtp=...)``; ``close()`` it, or use ``with``. Sync
residents from Buildium with ``buildium=BuildiumConfig(client_id, client_secret)``. Write
smart keys with ``preview_key`` / ``make_key`` on an encoder from ``list_encoders``; in
production, through SALTO with ``salto=SaltoConfig(installation, client_id, client_secret)``.
"""

from concierge._native import (
    Admin,
    Amenity,
    AsyncConcierge,
    AsyncConciergeOpening,
    Building,
    BuildiumConfig,
    ClosedError,
    Concierge,
    ConciergeError,
    ConflictError,
    DispatchReport,
    Encoder,
    ExternalRef,
    FieldIssue,
    InvalidTransitionError,
    InvitationEmailSettings,
    KeyPreview,
    NotFoundError,
    OutboxEntry,
    PermissionDeniedError,
    PmsProperty,
    PmsResidentRecord,
    Property,
    PropertySettings,
    ProviderError,
    Resident,
    SaltoConfig,
    SandboxControls,
    SentEmail,
    SmartKey,
    SmtpConfig,
    SpareHolder,
    StoreError,
    SyncCounts,
    SyncError,
    SyncReport,
    SyncRun,
    TokenRejectedError,
    Unit,
    ValidationError,
    __version__,
)

__all__ = [
    "Admin",
    "Amenity",
    "AsyncConcierge",
    "AsyncConciergeOpening",
    "Building",
    "BuildiumConfig",
    "ClosedError",
    "Concierge",
    "ConciergeError",
    "ConflictError",
    "DispatchReport",
    "Encoder",
    "ExternalRef",
    "FieldIssue",
    "InvalidTransitionError",
    "InvitationEmailSettings",
    "KeyPreview",
    "NotFoundError",
    "OutboxEntry",
    "PermissionDeniedError",
    "PmsProperty",
    "PmsResidentRecord",
    "Property",
    "PropertySettings",
    "ProviderError",
    "Resident",
    "SaltoConfig",
    "SandboxControls",
    "SentEmail",
    "SmartKey",
    "SmtpConfig",
    "SpareHolder",
    "StoreError",
    "SyncCounts",
    "SyncError",
    "SyncReport",
    "SyncRun",
    "TokenRejectedError",
    "Unit",
    "ValidationError",
    "__version__",
]
