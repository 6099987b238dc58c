"""Type stubs of the native module ``concierge._native`` (re-exported by ``concierge``)."""

import datetime
import os
from types import TracebackType
from typing import (
    Any,
    Awaitable,
    Generator,
    List,
    Literal,
    NamedTuple,
    Optional,
    Sequence,
    Type,
    Union,
    final,
)

from concierge.types import (
    AccessLevel,
    AccountAction,
    AccountStatus,
    EntityKind,
    ErrorCode,
    KeyHolderKind,
    KeyState,
    OccupancyPhase,
    OccupancyRole,
    OutboxKind,
    OutboxStatus,
    Permission,
    ProviderErrorKind,
    ResidentSource,
    SmtpTls,
    SyncErrorKind,
    SyncMode,
    TokenRejection,
)

__all__ = [
    "__version__",
    "Concierge",
    "AsyncConcierge",
    "AsyncConciergeOpening",
    "Admin",
    "SandboxControls",
    "SentEmail",
    "PmsResidentRecord",
    "SmtpConfig",
    "BuildiumConfig",
    "SaltoConfig",
    "Property",
    "PropertySettings",
    "Amenity",
    "InvitationEmailSettings",
    "ExternalRef",
    "Building",
    "Unit",
    "Resident",
    "OutboxEntry",
    "DispatchReport",
    "SpareHolder",
    "PmsProperty",
    "SyncReport",
    "SyncRun",
    "SyncCounts",
    "SyncError",
    "Encoder",
    "SmartKey",
    "KeyPreview",
    "ConciergeError",
    "PermissionDeniedError",
    "InvalidTransitionError",
    "TokenRejectedError",
    "NotFoundError",
    "ValidationError",
    "ConflictError",
    "ProviderError",
    "StoreError",
    "ClosedError",
    "FieldIssue",
]
__version__: str

_StrPath = Union[str, "os.PathLike[str]"]

# --------------------------------------------------------------------------------------------
# Admins

@final
class Admin:
    """Who acts. Access levels per area: ``"none"``, ``"read"`` or ``"full"``.

    A bad level raises ``ValueError``."""

    def __new__(
        cls, name: str, *, integrations: AccessLevel = "none", residence: AccessLevel = "none"
    ) -> Admin: ...
    @staticmethod
    def full_access(name: str) -> Admin: ...
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def integrations(self) -> AccessLevel: ...
    @property
    def residence(self) -> AccessLevel: ...

# --------------------------------------------------------------------------------------------
# Records (read-only snapshots)

@final
class ExternalRef:
    """A record's identity in an outside system."""

    @property
    def provider(self) -> str: ...
    @property
    def id(self) -> str: ...

@final
class Amenity:
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...

@final
class InvitationEmailSettings:
    """The welcome / activation email template. Placeholders: ``{first_name}``,
    ``{last_name}``, ``{property_name}``, ``{activation_link}``, ``{expires_at}``.
    Fields left out keep the SDK's defaults. The sender is ``from_`` (``from`` is a keyword)."""

    def __new__(
        cls,
        *,
        from_: Optional[str] = None,
        subject: Optional[str] = None,
        body: Optional[str] = None,
        activation_url: Optional[str] = None,
    ) -> InvitationEmailSettings: ...
    @property
    def from_(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def activation_url(self) -> str: ...

@final
class PropertySettings:
    """A property's settings. ``amenities`` takes names (new amenities) or ``Amenity``
    records (kept with their ids). ``sync_interval_seconds`` defaults to 14400 (4 hours)."""

    def __new__(
        cls,
        *,
        future_resident_sync: bool = False,
        auto_grant_mobile_access: bool = False,
        sync_interval_seconds: Optional[int] = None,
        amenities: Optional[Sequence[Union[str, Amenity]]] = None,
        invitation_email: Optional[InvitationEmailSettings] = None,
    ) -> PropertySettings: ...
    @property
    def future_resident_sync(self) -> bool: ...
    @property
    def auto_grant_mobile_access(self) -> bool: ...
    @property
    def sync_interval_seconds(self) -> int: ...
    @property
    def amenities(self) -> List[Amenity]: ...
    @property
    def invitation_email(self) -> InvitationEmailSettings: ...

@final
class Property:
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def site_name(self) -> str: ...
    @property
    def settings(self) -> PropertySettings: ...
    @property
    def external_ref(self) -> Optional[ExternalRef]: ...
    @property
    def created_at(self) -> datetime.datetime:
        """UTC, tz-aware."""

@final
class Building:
    @property
    def id(self) -> str: ...
    @property
    def property_id(self) -> str: ...
    @property
    def name(self) -> str: ...

@final
class Unit:
    @property
    def id(self) -> str: ...
    @property
    def property_id(self) -> str: ...
    @property
    def building_id(self) -> str: ...
    @property
    def floor(self) -> Optional[str]: ...
    @property
    def number(self) -> str: ...

@final
class Resident:
    """A resident; ``status`` is the account status when the record was read."""

    @property
    def id(self) -> str: ...
    @property
    def property_id(self) -> str: ...
    @property
    def unit_id(self) -> str: ...
    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str: ...
    @property
    def email(self) -> Optional[str]: ...
    @property
    def phone(self) -> Optional[str]: ...
    @property
    def role(self) -> OccupancyRole: ...
    @property
    def move_in(self) -> Optional[datetime.date]: ...
    @property
    def move_out(self) -> Optional[datetime.date]: ...
    @property
    def source(self) -> ResidentSource: ...
    @property
    def status(self) -> AccountStatus: ...
    @property
    def invited_at(self) -> Optional[datetime.datetime]: ...
    @property
    def activation_expires_at(self) -> Optional[datetime.datetime]: ...
    @property
    def activated_at(self) -> Optional[datetime.datetime]: ...
    @property
    def invitations_sent(self) -> int: ...
    @property
    def mobile_access_granted(self) -> bool: ...
    @property
    def amenities(self) -> List[str]:
        """Amenity ids."""
    @property
    def external_ref(self) -> Optional[ExternalRef]: ...

@final
class OutboxEntry:
    """A side effect of a committed change. Never holds the activation token."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> OutboxKind: ...
    @property
    def status(self) -> OutboxStatus: ...
    @property
    def attempts(self) -> int: ...
    @property
    def last_error(self) -> Optional[str]: ...
    @property
    def next_attempt_at(self) -> datetime.datetime: ...

@final
class DispatchReport:
    @property
    def delivered(self) -> int: ...
    @property
    def retrying(self) -> int: ...
    @property
    def parked(self) -> int: ...
    @property
    def skipped(self) -> int: ...

@final
class SpareHolder:
    """A named holder of a unit's spare key: not a resident, never moved out by a sync."""

    @property
    def id(self) -> str: ...
    @property
    def unit_id(self) -> str: ...
    @property
    def label(self) -> str: ...

@final
class PmsProperty:
    """A property as the PMS has it. Link one of ours to it with
    ``link_pms_property(admin, property_id, pms_property.external_ref.id)``."""

    @property
    def external_ref(self) -> ExternalRef: ...
    @property
    def name(self) -> str: ...

@final
class SyncCounts:
    """What a sync run did, record by record."""

    @property
    def seen(self) -> int: ...
    @property
    def created(self) -> int: ...
    @property
    def updated(self) -> int: ...
    @property
    def moved_out(self) -> int: ...
    @property
    def unchanged(self) -> int: ...
    @property
    def failed(self) -> int: ...
    @property
    def deferred(self) -> int:
        """Future residents not imported yet: the property's ``future_resident_sync`` is off."""
    @property
    def pages(self) -> int: ...

@final
class SyncError:
    """One PMS record a sync could not apply; never holds the record's personal data."""

    @property
    def kind(self) -> SyncErrorKind: ...
    @property
    def external_ref(self) -> Optional[ExternalRef]:
        """The record in the PMS, when its id could be read."""
    @property
    def field(self) -> Optional[str]: ...
    @property
    def message(self) -> str: ...

@final
class SyncRun:
    """One sync of one property."""

    @property
    def id(self) -> str: ...
    @property
    def property_id(self) -> str: ...
    @property
    def mode(self) -> SyncMode: ...
    @property
    def started_at(self) -> datetime.datetime: ...
    @property
    def finished_at(self) -> Optional[datetime.datetime]: ...
    @property
    def counts(self) -> SyncCounts: ...
    @property
    def errors(self) -> List[SyncError]:
        """The records this run could not apply; the next run's list replaces it."""
    @property
    def aborted(self) -> Optional[str]:
        """Why the run stopped early (the PMS kept failing), else ``None``. What it applied
        stays applied; nobody is moved out by an incomplete listing."""

@final
class SyncReport:
    @property
    def run(self) -> SyncRun: ...
    @property
    def joined(self) -> bool:
        """This trigger joined the property's sync already running instead of starting one."""

@final
class Encoder:
    """One of the lock system's key encoders."""

    @property
    def id(self) -> str:
        """Its id in the lock system: what ``make_key(..., encoder=...)`` takes (the name works
        too)."""
    @property
    def name(self) -> str: ...
    @property
    def online(self) -> bool: ...
    @property
    def initialized(self) -> bool:
        """Whether it can write keys."""

@final
class SmartKey:
    """A smart key: one holder (a resident or a spare holder) and one unit. A holder has at
    most one live (``"encoding"`` or ``"active"``) key per unit."""

    @property
    def id(self) -> str: ...
    @property
    def holder_kind(self) -> KeyHolderKind: ...
    @property
    def holder_id(self) -> str:
        """The resident's or the spare holder's id."""
    @property
    def unit_id(self) -> str: ...
    @property
    def encoder_id(self) -> str: ...
    @property
    def state(self) -> KeyState:
        """``"encoding"`` while the outcome of the write is unknown (a lost reply: retry
        ``make_key`` or run ``reconcile_keys``)."""
    @property
    def external_ref(self) -> Optional[ExternalRef]:
        """The key in the lock system, once written."""
    @property
    def created_at(self) -> datetime.datetime: ...

@final
class KeyPreview:
    """What ``make_key`` will write, for the admin to confirm; nothing is written."""

    @property
    def holder_kind(self) -> KeyHolderKind: ...
    @property
    def holder_id(self) -> str: ...
    @property
    def holder_name(self) -> str:
        """The resident's full name, or the spare holder's label."""
    @property
    def unit(self) -> Unit:
        """The one unit the key opens."""
    @property
    def encoder(self) -> Encoder: ...
    @property
    def replaces(self) -> Optional[str]:
        """The id of the live key this one replaces (``replace=True``), if any."""

# --------------------------------------------------------------------------------------------
# Sandbox

@final
class SentEmail:
    """An email the sandbox accepted. ``repr`` leaves out ``body`` (it holds the link)."""

    @property
    def to(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def body(self) -> str: ...

@final
class SandboxControls:
    def now(self) -> datetime.datetime:
        """The sandbox clock (UTC, tz-aware)."""
    def advance(self, *, days: int = 0, hours: int = 0, minutes: int = 0, seconds: int = 0) -> None: ...
    def sent_emails(self) -> List[SentEmail]: ...
    def last_activation_token(self, email: str) -> Optional[str]: ...
    def fail_next(self, operation: str, kind: ProviderErrorKind) -> None:
        """The next call of ``operation`` (e.g. ``"send"``) fails; an unknown kind raises
        ``ValueError``."""
    def calls(self, operation: str) -> int: ...
    def set_latency(self, operation: str, milliseconds: int) -> None:
        """Every call of ``operation`` (``"*"``: any) waits this long (real time) first; 0
        removes it."""
    def encoder_set_card_present(self, encoder: str, present: bool) -> bool:
        """Puts a card on (or takes it off) the encoder with this id or name (``"ncoder-1"``,
        "NCoder Lobby"; ``"ncoder-2"`` is not initialised). Without a card ``make_key`` raises
        ``ProviderError`` of kind ``"no_card"``. Returns whether the encoder exists."""
    def encoder_set_online(self, encoder: str, online: bool) -> bool:
        """Connects or disconnects the encoder (offline: kind ``"device_offline"``). Returns
        whether it exists."""
    def encoder_set_write_time(self, milliseconds: int) -> None:
        """Writing a key takes this much real time from now on (3000 by default). A write
        longer than the handle's key write deadline loses its reply but goes on."""
    def encoder_keys_written(self) -> int:
        """How many key writes the encoders started (a retried write starts none)."""
    def pms_properties(self) -> List[PmsProperty]: ...
    def pms_residents(self, pms_property_id: str) -> List[PmsResidentRecord]:
        """The readable residents the sandbox PMS holds for the property, in listing order
        (empty for an unknown property). The ``pms_*`` methods below return whether the PMS
        has the resident (or the property)."""
    def pms_update_resident(
        self,
        external_id: str,
        *,
        first_name: Optional[str] = None,
        last_name: Optional[str] = None,
        email: Optional[str] = None,
        move_out: Optional[datetime.date] = None,
    ) -> bool:
        """Changes a resident in the sandbox PMS, as its staff would; fields left out stay."""
    def pms_remove_resident(self, external_id: str) -> bool: ...
    def pms_add_unreadable(self, pms_property_id: str, message: str) -> bool:
        """Adds a record the PMS cannot read; a sync reports it as ``unreadable_record``."""

@final
class PmsResidentRecord:
    """A resident as the sandbox PMS holds it; ``unit_id`` is the PMS's unit id. ``repr``
    leaves out the email."""

    @property
    def external_id(self) -> str: ...
    @property
    def unit_id(self) -> str: ...
    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str: ...
    @property
    def email(self) -> Optional[str]: ...
    @property
    def move_in(self) -> Optional[datetime.date]: ...
    @property
    def move_out(self) -> Optional[datetime.date]: ...

# --------------------------------------------------------------------------------------------
# Production mail

@final
class SmtpConfig:
    """Where and how to send email. The password is write-only: it is not an attribute and
    ``repr`` shows ``password=<redacted>``. A bad ``tls`` raises ``ValueError``."""

    def __new__(
        cls,
        host: str,
        port: int,
        *,
        username: Optional[str] = None,
        password: Optional[str] = None,
        tls: SmtpTls = "starttls",
        timeout_seconds: float = 30.0,
    ) -> SmtpConfig: ...
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def username(self) -> Optional[str]: ...
    @property
    def tls(self) -> SmtpTls: ...
    @property
    def timeout_seconds(self) -> float: ...

# --------------------------------------------------------------------------------------------
# Production PMS

@final
class BuildiumConfig:
    """How a production handle reaches its Buildium account (the PMS); pass it as
    ``buildium=`` to ``Concierge(...)``, ``open`` or ``connect``. The client secret is
    write-only: it is not an attribute and ``repr`` shows ``client_secret=<redacted>``.
    ``base_url`` defaults to ``"https://api.buildium.com"`` (the sandbox is
    ``"https://apisandbox.buildium.com"``); ``rate_limit_per_sec=None`` sends without a limit.

    A ``timeout_seconds`` that is not positive raises ``ValueError``. The adapter checks the
    rest when the handle is built: an empty id or secret, a page size outside 1 to 1000, a bad
    base URL or a zero rate limit raises ``ProviderError`` (``provider == "buildium"``,
    ``operation`` ``"new"`` or ``"build_client"``, ``retryable`` false), before any store is
    opened."""

    def __new__(
        cls,
        client_id: str,
        client_secret: str,
        *,
        base_url: Optional[str] = None,
        page_size: int = 1000,
        rate_limit_per_sec: Optional[int] = 10,
        timeout_seconds: float = 30.0,
    ) -> BuildiumConfig: ...
    @property
    def client_id(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def page_size(self) -> int: ...
    @property
    def rate_limit_per_sec(self) -> Optional[int]: ...
    @property
    def timeout_seconds(self) -> float: ...

# --------------------------------------------------------------------------------------------
# Production lock system

@final
class SaltoConfig:
    """How a production handle reaches its SALTO Nebula (Homelok) installation (the key
    encoder); pass it as ``salto=`` to ``Concierge(...)``, ``open`` or ``connect``. The client
    secret is write-only: it is not an attribute and ``repr`` shows ``client_secret=<redacted>``.
    ``base_url`` defaults to ``"https://nebula.saltoapis.com/v1"``, ``token_url`` to
    ``"https://account.saltosystems.com/oauth2/token"``.

    A ``timeout_seconds`` that is not positive raises ``ValueError``. The adapter checks the
    rest when the handle is built: an empty id or secret, an installation that is not an id or a
    bad URL raises ``ProviderError`` (``provider == "salto"``, ``retryable`` false), before any
    store is opened."""

    def __new__(
        cls,
        installation: str,
        client_id: str,
        client_secret: str,
        *,
        base_url: Optional[str] = None,
        token_url: Optional[str] = None,
        timeout_seconds: float = 30.0,
    ) -> SaltoConfig: ...
    @property
    def installation(self) -> str: ...
    @property
    def client_id(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def token_url(self) -> str: ...
    @property
    def timeout_seconds(self) -> float: ...

# --------------------------------------------------------------------------------------------
# Handles

@final
class Concierge:
    """The Concierge handle; every method blocks (with the GIL released) until done.

    ``with Concierge.open(...) as concierge:`` closes it on the way out. After ``close()``
    every operation raises ``ClosedError``; closing twice is harmless."""

    def __new__(
        cls,
        *,
        smtp: SmtpConfig,
        activation_validity_days: int = 7,
        buildium: Optional[BuildiumConfig] = None,
        salto: Optional[SaltoConfig] = None,
    ) -> Concierge:
        """Mail over SMTP, state in memory (for tests); Buildium as the PMS when given."""
    @classmethod
    def sandbox(cls, seed: int = 7, *, key_write_deadline_seconds: Optional[float] = None) -> Concierge:
        """The sandbox in memory: fakes of every provider and a clock you move.
        ``key_write_deadline_seconds``: how long a key write may take before the SDK stops
        waiting and the key stays ``"encoding"`` (90 by default)."""
    @classmethod
    def open_sandbox(
        cls, path: _StrPath, seed: int = 7, *, key_write_deadline_seconds: Optional[float] = None
    ) -> Concierge:
        """The sandbox with its state in a SQLite file (created if missing). The clock starts
        at the sandbox's start each time. A damaged file, or one that is not Concierge's,
        raises ``StoreError`` and is left unchanged."""
    @classmethod
    def open(
        cls,
        path: _StrPath,
        *,
        smtp: SmtpConfig,
        activation_validity_days: int = 7,
        buildium: Optional[BuildiumConfig] = None,
        salto: Optional[SaltoConfig] = None,
    ) -> Concierge:
        """State in a SQLite file (created if missing), mail over SMTP: one process. Buildium
        as the PMS when given."""
    @classmethod
    def connect(
        cls,
        url: str,
        *,
        smtp: SmtpConfig,
        activation_validity_days: int = 7,
        buildium: Optional[BuildiumConfig] = None,
        salto: Optional[SaltoConfig] = None,
    ) -> Concierge:
        """State in PostgreSQL (``postgres://user:password@host:port/database``), mail over
        SMTP: several processes may share the database. The password never appears in errors
        or ``repr``; an unreachable server raises ``StoreError`` with ``retryable`` true.
        Buildium as the PMS when given."""
    def close(self) -> None:
        """Closes the handle and its store; later calls raise ``ClosedError``."""
    def __enter__(self) -> Concierge: ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None: ...
    @property
    def sandbox_controls(self) -> Optional[SandboxControls]: ...
    def register_property(
        self, admin: Admin, name: str, site_name: str, *, settings: Optional[PropertySettings] = None
    ) -> Property: ...
    def update_property_settings(
        self, admin: Admin, property_id: str, settings: PropertySettings
    ) -> Property: ...
    def get_property(self, admin: Admin, property_id: str) -> Property: ...
    def list_properties(self, admin: Admin) -> List[Property]: ...
    def register_building(self, admin: Admin, property_id: str, name: str) -> Building: ...
    def register_unit(
        self, admin: Admin, building_id: str, number: str, *, floor: Optional[str] = None
    ) -> Unit: ...
    def list_buildings(self, admin: Admin, property_id: str) -> List[Building]: ...
    def list_units(self, admin: Admin, property_id: str) -> List[Unit]: ...
    def move_in(
        self,
        admin: Admin,
        unit_id: str,
        first_name: str,
        last_name: str,
        *,
        email: Optional[str] = None,
        phone: Optional[str] = None,
        role: OccupancyRole = "primary",
        move_in: Optional[datetime.date] = None,
        send_mobile_activation: bool = False,
        amenities: Optional[Sequence[str]] = None,
    ) -> Resident: ...
    def invite(self, admin: Admin, resident_id: str) -> Resident: ...
    def activate(self, token: str, accept_terms: bool) -> Resident: ...
    def account_status(self, admin: Admin, resident_id: str) -> AccountStatus: ...
    def get_resident(self, admin: Admin, resident_id: str) -> Resident: ...
    def list_residents(
        self,
        admin: Admin,
        *,
        property_id: Optional[str] = None,
        unit_id: Optional[str] = None,
        status: Optional[AccountStatus] = None,
        phase: Optional[OccupancyPhase] = None,
        source: Optional[ResidentSource] = None,
    ) -> List[Resident]: ...
    def move_out(
        self, admin: Admin, resident_id: str, *, on: Optional[datetime.date] = None
    ) -> Resident:
        """Moves the resident out on ``on`` (today when ``None``): mobile access ends and
        their keys are cancelled. A date before the move-in raises ``ValidationError``; a
        resident already moved out, ``ConflictError``."""
    def add_spare_holder(self, admin: Admin, unit_id: str, label: str) -> SpareHolder: ...
    def list_spare_holders(self, admin: Admin, unit_id: str) -> List[SpareHolder]: ...
    def list_pms_properties(self, admin: Admin) -> List[PmsProperty]: ...
    def link_pms_property(self, admin: Admin, property_id: str, pms_property_id: str) -> Property: ...
    def sync_now(self, admin: Admin, property_id: str, *, mode: SyncMode = "full") -> SyncReport:
        """Syncs the property with its PMS now: ``"full"`` moves out residents the PMS no
        longer lists, ``"incremental"`` never does. Joins the property's sync already running.
        An unlinked property raises ``ValidationError``; a PMS that keeps failing,
        ``ProviderError`` (and ``last_sync(...).aborted`` says why)."""
    def last_sync(self, admin: Admin, property_id: str) -> Optional[SyncRun]: ...
    def sync_errors(self, admin: Admin, property_id: str) -> List[SyncError]:
        """The errors of the property's latest sync."""
    def run_due_syncs(self) -> List[SyncReport]:
        """Syncs every PMS-linked property whose ``sync_interval_seconds`` has passed since
        its last run; acts as the system. A property whose sync fails is left out."""
    def list_encoders(self, admin: Admin) -> List[Encoder]:
        """The lock system's encoders and their state. Residence read."""
    def preview_key(
        self,
        admin: Admin,
        *,
        resident_id: Optional[str] = None,
        spare_holder_id: Optional[str] = None,
        encoder: str,
        replace: bool = False,
    ) -> KeyPreview:
        """What ``make_key`` with the same arguments will write; writes nothing, refuses what
        ``make_key`` would refuse. Residence full."""
    def make_key(
        self,
        admin: Admin,
        *,
        resident_id: Optional[str] = None,
        spare_holder_id: Optional[str] = None,
        encoder: str,
        replace: bool = False,
    ) -> SmartKey:
        """Writes a key on ``encoder`` (an id or name from ``list_encoders``) for a current or
        future resident, or a spare holder: exactly one of ``resident_id`` /
        ``spare_holder_id`` (else ``ValueError``). Residence full, checked before the encoder
        is called. A second live key for the holder and unit raises ``ConflictError`` naming
        the first; ``replace=True`` replaces it (a lost card). A refusing encoder raises
        ``ProviderError`` (``kind`` e.g. ``"no_card"``, ``"device_offline"``) and leaves no
        live key; a lost reply (``retryable``) leaves the key ``"encoding"``, and calling
        again finishes it without writing a second key."""
    def cancel_key(self, admin: Admin, key_id: str) -> SmartKey:
        """Cancels a live key; the lock system is told through the outbox. Residence full."""
    def list_keys(
        self,
        admin: Admin,
        *,
        resident_id: Optional[str] = None,
        spare_holder_id: Optional[str] = None,
        unit_id: Optional[str] = None,
    ) -> List[SmartKey]:
        """Keys of a holder (at most one of ``resident_id`` / ``spare_holder_id``) and/or a
        unit; every key without a filter. Residence read."""
    def reconcile_keys(self) -> int:
        """Finishes every key write whose outcome is unknown (after a crash or a lost reply),
        asking the lock system first: never a second key. Returns how many it settled; acts
        as the system."""
    def dispatch_outbox(self) -> DispatchReport: ...
    def list_outbox(self, admin: Admin, status: OutboxStatus) -> List[OutboxEntry]: ...
    def retry_outbox_entry(self, admin: Admin, entry_id: str) -> OutboxEntry: ...

@final
class AsyncConciergeOpening:
    """What ``AsyncConcierge.open``, ``open_sandbox`` and ``connect`` return: await it for the
    handle, or enter it (``async with AsyncConcierge.open(...) as concierge:``) to have the
    handle closed on the way out. Nothing is opened before that, and it opens once (a second
    ``await`` raises ``RuntimeError``). Opening errors (``StoreError``, ``ValidationError``)
    are raised there."""

    def __await__(self) -> Generator[Any, None, AsyncConcierge]: ...
    def __aenter__(self) -> Awaitable[AsyncConcierge]: ...
    def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> Awaitable[None]: ...

@final
class AsyncConcierge:
    """The Concierge handle for asyncio. Operations return awaitables and must be called
    while an event loop runs (inside a coroutine).

    ``async with AsyncConcierge.open(...) as concierge:`` closes it on the way out (so does
    ``async with`` on a handle). After ``await close()`` every operation raises
    ``ClosedError``; closing twice is harmless."""

    def __new__(
        cls,
        *,
        smtp: SmtpConfig,
        activation_validity_days: int = 7,
        buildium: Optional[BuildiumConfig] = None,
        salto: Optional[SaltoConfig] = None,
    ) -> AsyncConcierge:
        """Mail over SMTP, state in memory (for tests); Buildium as the PMS when given."""
    @classmethod
    def sandbox(cls, seed: int = 7, *, key_write_deadline_seconds: Optional[float] = None) -> AsyncConcierge:
        """The sandbox in memory; see ``Concierge.sandbox``."""
    @classmethod
    def open_sandbox(
        cls, path: _StrPath, seed: int = 7, *, key_write_deadline_seconds: Optional[float] = None
    ) -> AsyncConciergeOpening:
        """The sandbox with its state in a SQLite file; see ``Concierge.open_sandbox``."""
    @classmethod
    def open(
        cls,
        path: _StrPath,
        *,
        smtp: SmtpConfig,
        activation_validity_days: int = 7,
        buildium: Optional[BuildiumConfig] = None,
        salto: Optional[SaltoConfig] = None,
    ) -> AsyncConciergeOpening:
        """State in a SQLite file, mail over SMTP; see ``Concierge.open``."""
    @classmethod
    def connect(
        cls,
        url: str,
        *,
        smtp: SmtpConfig,
        activation_validity_days: int = 7,
        buildium: Optional[BuildiumConfig] = None,
        salto: Optional[SaltoConfig] = None,
    ) -> AsyncConciergeOpening:
        """State in PostgreSQL, mail over SMTP; see ``Concierge.connect``."""
    def close(self) -> Awaitable[None]:
        """Closes the handle and its store; later calls raise ``ClosedError``."""
    def __aenter__(self) -> Awaitable[AsyncConcierge]: ...
    def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> Awaitable[None]: ...
    @property
    def sandbox_controls(self) -> Optional[SandboxControls]: ...
    def register_property(
        self, admin: Admin, name: str, site_name: str, *, settings: Optional[PropertySettings] = None
    ) -> Awaitable[Property]: ...
    def update_property_settings(
        self, admin: Admin, property_id: str, settings: PropertySettings
    ) -> Awaitable[Property]: ...
    def get_property(self, admin: Admin, property_id: str) -> Awaitable[Property]: ...
    def list_properties(self, admin: Admin) -> Awaitable[List[Property]]: ...
    def register_building(self, admin: Admin, property_id: str, name: str) -> Awaitable[Building]: ...
    def register_unit(
        self, admin: Admin, building_id: str, number: str, *, floor: Optional[str] = None
    ) -> Awaitable[Unit]: ...
    def list_buildings(self, admin: Admin, property_id: str) -> Awaitable[List[Building]]: ...
    def list_units(self, admin: Admin, property_id: str) -> Awaitable[List[Unit]]: ...
    def move_in(
        self,
        admin: Admin,
        unit_id: str,
        first_name: str,
        last_name: str,
        *,
        email: Optional[str] = None,
        phone: Optional[str] = None,
        role: OccupancyRole = "primary",
        move_in: Optional[datetime.date] = None,
        send_mobile_activation: bool = False,
        amenities: Optional[Sequence[str]] = None,
    ) -> Awaitable[Resident]: ...
    def invite(self, admin: Admin, resident_id: str) -> Awaitable[Resident]: ...
    def activate(self, token: str, accept_terms: bool) -> Awaitable[Resident]: ...
    def account_status(self, admin: Admin, resident_id: str) -> Awaitable[AccountStatus]: ...
    def get_resident(self, admin: Admin, resident_id: str) -> Awaitable[Resident]: ...
    def list_residents(
        self,
        admin: Admin,
        *,
        property_id: Optional[str] = None,
        unit_id: Optional[str] = None,
        status: Optional[AccountStatus] = None,
        phase: Optional[OccupancyPhase] = None,
        source: Optional[ResidentSource] = None,
    ) -> Awaitable[List[Resident]]: ...
    def move_out(
        self, admin: Admin, resident_id: str, *, on: Optional[datetime.date] = None
    ) -> Awaitable[Resident]:
        """Moves the resident out on ``on`` (today when ``None``): mobile access ends and
        their keys are cancelled. A date before the move-in raises ``ValidationError``; a
        resident already moved out, ``ConflictError``."""
    def add_spare_holder(self, admin: Admin, unit_id: str, label: str) -> Awaitable[SpareHolder]: ...
    def list_spare_holders(self, admin: Admin, unit_id: str) -> Awaitable[List[SpareHolder]]: ...
    def list_pms_properties(self, admin: Admin) -> Awaitable[List[PmsProperty]]: ...
    def link_pms_property(self, admin: Admin, property_id: str, pms_property_id: str) -> Awaitable[Property]: ...
    def sync_now(self, admin: Admin, property_id: str, *, mode: SyncMode = "full") -> Awaitable[SyncReport]:
        """Syncs the property with its PMS now: ``"full"`` moves out residents the PMS no
        longer lists, ``"incremental"`` never does. Joins the property's sync already running.
        An unlinked property raises ``ValidationError``; a PMS that keeps failing,
        ``ProviderError`` (and ``last_sync(...).aborted`` says why)."""
    def last_sync(self, admin: Admin, property_id: str) -> Awaitable[Optional[SyncRun]]: ...
    def sync_errors(self, admin: Admin, property_id: str) -> Awaitable[List[SyncError]]:
        """The errors of the property's latest sync."""
    def run_due_syncs(self) -> Awaitable[List[SyncReport]]:
        """Syncs every PMS-linked property whose ``sync_interval_seconds`` has passed since
        its last run; acts as the system. A property whose sync fails is left out."""
    def list_encoders(self, admin: Admin) -> Awaitable[List[Encoder]]:
        """The lock system's encoders and their state. Residence read."""
    def preview_key(
        self,
        admin: Admin,
        *,
        resident_id: Optional[str] = None,
        spare_holder_id: Optional[str] = None,
        encoder: str,
        replace: bool = False,
    ) -> Awaitable[KeyPreview]:
        """What ``make_key`` with the same arguments will write; writes nothing, refuses what
        ``make_key`` would refuse. Residence full."""
    def make_key(
        self,
        admin: Admin,
        *,
        resident_id: Optional[str] = None,
        spare_holder_id: Optional[str] = None,
        encoder: str,
        replace: bool = False,
    ) -> Awaitable[SmartKey]:
        """Writes a key on ``encoder`` (an id or name from ``list_encoders``) for a current or
        future resident, or a spare holder: exactly one of ``resident_id`` /
        ``spare_holder_id`` (else ``ValueError``). Residence full, checked before the encoder
        is called. A second live key for the holder and unit raises ``ConflictError`` naming
        the first; ``replace=True`` replaces it (a lost card). A refusing encoder raises
        ``ProviderError`` (``kind`` e.g. ``"no_card"``, ``"device_offline"``) and leaves no
        live key; a lost reply (``retryable``) leaves the key ``"encoding"``, and calling
        again finishes it without writing a second key."""
    def cancel_key(self, admin: Admin, key_id: str) -> Awaitable[SmartKey]:
        """Cancels a live key; the lock system is told through the outbox. Residence full."""
    def list_keys(
        self,
        admin: Admin,
        *,
        resident_id: Optional[str] = None,
        spare_holder_id: Optional[str] = None,
        unit_id: Optional[str] = None,
    ) -> Awaitable[List[SmartKey]]:
        """Keys of a holder (at most one of ``resident_id`` / ``spare_holder_id``) and/or a
        unit; every key without a filter. Residence read."""
    def reconcile_keys(self) -> Awaitable[int]:
        """Finishes every key write whose outcome is unknown (after a crash or a lost reply),
        asking the lock system first: never a second key. Returns how many it settled; acts
        as the system."""
    def dispatch_outbox(self) -> Awaitable[DispatchReport]: ...
    def list_outbox(self, admin: Admin, status: OutboxStatus) -> Awaitable[List[OutboxEntry]]: ...
    def retry_outbox_entry(self, admin: Admin, entry_id: str) -> Awaitable[OutboxEntry]: ...

# --------------------------------------------------------------------------------------------
# Errors: every class has `code` and `message`; `str(err) == err.message`. All pickle with
# their attributes.

class FieldIssue(NamedTuple):
    """One problem with one input field; unpacks as ``(field, message)``."""

    field: str
    message: str

class ConciergeError(Exception):
    code: ErrorCode
    message: str

class PermissionDeniedError(ConciergeError):
    code: Literal["PERMISSION_DENIED"]
    admin: str
    """The admin's id."""
    action: str
    permission: Permission
    required: AccessLevel
    held: AccessLevel

class InvalidTransitionError(ConciergeError):
    code: Literal["INVALID_TRANSITION"]
    from_status: AccountStatus
    action: AccountAction

class TokenRejectedError(ConciergeError):
    code: Literal["TOKEN_REJECTED"]
    reason: TokenRejection

class NotFoundError(ConciergeError):
    code: Literal["NOT_FOUND"]
    entity: EntityKind
    id: str

class ValidationError(ConciergeError):
    code: Literal["VALIDATION"]
    issues: List[FieldIssue]
    """Every problem found, in the order the fields were checked; never the rejected values."""

class ConflictError(ConciergeError):
    code: Literal["CONFLICT"]

class ProviderError(ConciergeError):
    code: Literal["PROVIDER"]
    provider: str
    operation: str
    kind: ProviderErrorKind
    retryable: bool
    request_id: Optional[str]

class StoreError(ConciergeError):
    """The store failed, or refused the database (``location`` set: damaged, not
    Concierge's, or written by a newer version; nothing in it was changed)."""

    code: Literal["STORE"]
    retryable: bool
    location: Optional[str]
    """The file, or ``postgres://host:port/database`` (never a password), when the database
    was refused; else ``None``."""
    found: Optional[int]
    """The schema version found in a refused database, if one could be read."""
    supported: Optional[int]
    """The newest schema version this Concierge knows, when the database was refused."""

class ClosedError(ConciergeError):
    """The handle was closed."""

    code: Literal["CLOSED"]
