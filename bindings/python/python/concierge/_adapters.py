"""Adapters written in Python (R-SDK-1). Hand-written; this module owns: the protocols of the five
kinds (``PmsAdapter``, ``StrataAdapter``, ``IntercomAdapter``, ``KeyEncoderAdapter``,
``MailerAdapter``), ``provider_error``, turning an adapter object into the native module's form
(what it declares and the one ``dispatch(method, args_json) -> answer_json`` callable), and the
private asyncio event loop (a daemon thread) on which ``async def`` methods run.

Conversion only: the engine (``concierge::foreign`` in Rust) names the methods, builds their
requests, reads their results (a record of the wrong shape is a sync error naming its field)
and types what they raise. Here a request is decoded into a dict, the method is called with it,
an awaitable result is awaited, and the result or the exception is encoded back to JSON.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import threading
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, Optional, Protocol, Tuple, TypeVar, Union

from concierge._runtime import encode

if TYPE_CHECKING:
    from concierge._generated import ProviderError, ProviderErrorKind, RetryClass

T = TypeVar("T")

#: What a method returns: a value, or an awaitable of it (``async def``).
MaybeAwaitable = Union[T, Awaitable[T]]


class PmsAdapter(Protocol):
    """A property management system written in Python, for ``Concierge.open(pms=...)``.

    ``name`` is the provider's name (in every ``ExternalRef`` and error it causes). An
    optional attribute ``properties_per_listing`` (an int) says how many properties one
    ``list_units`` or ``list_residents`` request may name; without it, one.

    Each method takes the request as a dict and returns a page (a dict, or an awaitable of
    one: ``async def`` methods run on a private event loop):
    ``{"items": [...], "next": "<cursor>" or None}``. An item the adapter cannot read may be
    given as ``{"unreadable": {"external": {"provider": ..., "id": ...} or None,
    "message": "..."}}``. Raise ``concierge.provider_error(kind, message, ...)`` for a typed
    failure; any other exception is a failure of kind ``other`` that a retry cannot help.
    """

    @property
    def name(self) -> str: ...

    def list_properties(self, request: Dict[str, Any]) -> MaybeAwaitable[Dict[str, Any]]:
        """``request``: ``{"cursor": str or None}``. Items:
        ``{"external": {"provider", "id"}, "name"}``."""
        ...

    def list_units(self, request: Dict[str, Any]) -> MaybeAwaitable[Dict[str, Any]]:
        """``request``: ``{"properties": [{"provider", "id"}], "cursor": str or None}``. Items:
        ``{"external", "property", "building_name", "floor", "number"}`` (``external`` and
        ``property`` as ``{"provider", "id"}``)."""
        ...

    def list_residents(self, request: Dict[str, Any]) -> MaybeAwaitable[Dict[str, Any]]:
        """``request``: ``{"properties": [{"provider", "id"}], "updated_since": ISO 8601 or
        None, "cursor": str or None}``. Items: ``{"external", "property", "unit", "first_name",
        "last_name", "email", "phone", "role", "move_in", "move_out", "updated_at"}`` and
        optionally ``"contact_listed"`` (dates as ISO 8601 text or ``datetime`` values)."""
        ...


class StrataAdapter(Protocol):
    """A strata system (owners and tenants of a strata plan) written in Python, for
    ``Concierge.open(strata=...)``.

    ``name`` is the provider's name. Each method takes the request as a dict and returns a dict
    (or an awaitable of one); the listings return pages as ``PmsAdapter``'s do (``{"items":
    [...], "next": "<cursor>" or None}``, with ``{"unreadable": {...}}`` items), and what a
    method raises is treated as for ``PmsAdapter``.
    """

    @property
    def name(self) -> str: ...

    def list_buildings(self, request: Dict[str, Any]) -> MaybeAwaitable[Dict[str, Any]]:
        """``request``: ``{"cursor": str or None}``. Items: ``{"external": {"provider", "id"},
        "plan_number", "name", "address" (or None), "status": "active" or "inactive"}``."""
        ...

    def get_building(self, request: Dict[str, Any]) -> MaybeAwaitable[Dict[str, Any]]:
        """``request``: ``{"building": {"provider", "id"}}``. Returns the building as listed; raise
        ``provider_error("not_found", ...)`` for one the strata system does not have."""
        ...

    def list_users(self, request: Dict[str, Any]) -> MaybeAwaitable[Dict[str, Any]]:
        """``request``: ``{"building": {"provider", "id"}, "cursor": str or None}``. Items:
        ``{"external", "building", "display_name", "first_name", "last_name", "email",
        "alt_emails": [str], "mobile", "phone", "lots": [{"lot_number", "unit_number"}],
        "user_types": ["owner_occupier", "tenant", "owner_investor" or "committee"], "tenancy":
        {"move_in", "move_out"} or None, "warnings": [str]}`` (``external`` and ``building`` as
        ``{"provider", "id"}``, dates as ISO 8601 text or ``date`` values; at least one lot)."""
        ...


class IntercomAdapter(Protocol):
    """A door intercom (visitor passes) written in Python, for ``Concierge.open(intercom=...)``.

    ``name`` is the provider's name. An optional attribute ``consent_url`` (a str) is where a
    building admin gives the intercom's one-time consent; without it, the intercom needs none.
    Each method takes the request as a dict and returns a dict (or an awaitable of one);
    ``list_buildings`` and ``list_tenants`` return pages as ``PmsAdapter``'s do, and what a
    method raises is treated as for ``PmsAdapter``. Every reference is ``{"provider", "id"}``
    and every instant ISO 8601 text or a ``datetime``.
    """

    @property
    def name(self) -> str: ...

    def authorize(self, request: Dict[str, Any]) -> MaybeAwaitable[None]:
        """``request``: ``{"code": str}``, the consent's code (a secret: never put it in an
        error). Returns nothing; raise for a code the intercom refuses."""
        ...

    def list_buildings(self, request: Dict[str, Any]) -> MaybeAwaitable[Dict[str, Any]]:
        """``request``: ``{"cursor": str or None}``. Items: ``{"external", "name", "time_zone"
        (IANA, or None)}``."""
        ...

    def get_building(self, request: Dict[str, Any]) -> MaybeAwaitable[Dict[str, Any]]:
        """``request``: ``{"building"}``. Returns the building as listed; raise
        ``provider_error("not_found", ...)`` for one the intercom does not have."""
        ...

    def ensure_placeholder(self, request: Dict[str, Any]) -> MaybeAwaitable[Dict[str, Any]]:
        """``request``: ``{"building", "unit_label", "unit_floor", "tenant_first_name",
        "tenant_last_name", "tenant_email"}``: creates the site's placeholder unit and tenant,
        or adopts those it finds. Returns ``{"unit", "tenant", "created_unit": bool,
        "created_tenant": bool}``."""
        ...

    def preflight(self, request: Dict[str, Any]) -> MaybeAwaitable[Dict[str, Any]]:
        """``request``: ``{"building", "unit" (or None), "tenant" (or None)}``. Returns
        ``{"checks": [{"name", "passed": bool, "detail"}]}``, names among
        ``"manager_account_active"``, ``"integration_enabled"``, ``"placeholder_unit"``,
        ``"placeholder_tenant"`` and ``"access_points"``."""
        ...

    def list_tenants(self, request: Dict[str, Any]) -> MaybeAwaitable[Dict[str, Any]]:
        """``request``: ``{"building", "cursor": str or None}``. Items: ``{"external", "name",
        "email", "unit_label", "contact_preference": "phone_call" or "mobile_app"}``."""
        ...

    def create_visitor_pass(self, request: Dict[str, Any]) -> MaybeAwaitable[Dict[str, Any]]:
        """``request``: ``{"building", "tenant", "visitor_name", "window": {"starts_at",
        "ends_at"}, "idempotency_key", "retry": bool}``; with ``retry``, first look the pass up
        by ``idempotency_key``. Returns ``{"external", "key" (or None), "qr_code_url",
        "instructions_url", "window": {"starts_at", "ends_at"}}``."""
        ...

    def revoke_visitor_pass(self, request: Dict[str, Any]) -> MaybeAwaitable[None]:
        """``request``: ``{"pass"}``. Returns nothing; a pass the intercom no longer has may be
        ``provider_error("not_found", ...)``."""
        ...


class KeyEncoderAdapter(Protocol):
    """A lock system's key encoding written in Python, for ``Concierge.open(key_encoder=...)``.

    ``name`` is the provider's name. Each method takes the request as a dict and returns a dict
    (or an awaitable of one); what it raises is treated as for ``PmsAdapter``.
    """

    @property
    def name(self) -> str: ...

    def list_encoders(self, request: Dict[str, Any]) -> MaybeAwaitable[Dict[str, Any]]:
        """``request``: ``{}``. Returns ``{"encoders": [{"external": {"provider", "id"},
        "name", "online", "initialized"}]}``."""
        ...

    def encode_key(self, request: Dict[str, Any]) -> MaybeAwaitable[Dict[str, Any]]:
        """``request``: ``{"encoder": {"provider", "id"}, "holder_ref", "unit_ref",
        "idempotency_key", "deadline_seconds"}``. Returns ``{"key": {"provider", "id"}}``."""
        ...

    def key_state(self, request: Dict[str, Any]) -> MaybeAwaitable[Dict[str, Any]]:
        """``request``: ``{"key": {"provider", "id"} or None, "idempotency_key": str or None}``.
        Returns ``{"key": {"provider", "id"} or None, "state": "not_assigned", "pending",
        "active" or "outdated"}``."""
        ...

    def cancel_key(self, request: Dict[str, Any]) -> MaybeAwaitable[None]:
        """``request``: ``{"key": {"provider", "id"}, "idempotency_key"}``. Returns nothing."""
        ...


class MailerAdapter(Protocol):
    """An email sender written in Python, for ``Concierge.open(mailer=...)``.

    ``name`` is the provider's name. What ``send`` raises is treated as for ``PmsAdapter``; the
    outbox retries an email whose failure a retry can help.
    """

    @property
    def name(self) -> str: ...

    def send(self, request: Dict[str, Any]) -> MaybeAwaitable[Dict[str, Any]]:
        """``request``: ``{"from", "to", "subject", "body", "html_body" (or None),
        "idempotency_key"}``; the bodies may hold an activation link: keep them out of errors
        and logs. Send one email per ``idempotency_key``. Returns ``{"message_id": str}``."""
        ...


def provider_error(
    kind: ProviderErrorKind,
    message: str,
    *,
    retryable: Optional[bool] = None,
    retry_class: Optional[RetryClass] = None,
    http_status: Optional[int] = None,
    vendor_code: Optional[str] = None,
    request_id: Optional[str] = None,
    retry_after_seconds: Optional[float] = None,
) -> ProviderError:
    """A ``ProviderError`` for an adapter to raise: its kind and what the vendor said. The
    engine adds the provider's and the operation's names, and derives the retry class from the
    kind unless ``retry_class`` (or ``retryable``) is given."""
    from concierge._generated import ProviderError

    given = {
        "kind": kind,
        "retryable": retryable,
        "retry_class": retry_class,
        "http_status": http_status,
        "vendor_code": vendor_code,
        "request_id": request_id,
        "retry_after_seconds": retry_after_seconds,
    }
    fields = {k: v for k, v in given.items() if v is not None}
    return ProviderError(message, ProviderError.code, json.dumps(fields))


def _raised(exc: BaseException) -> Dict[str, Any]:
    from concierge._generated import ProviderError

    raised: Dict[str, Any] = {"type": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, ProviderError):
        # Only the fields set on this error: a class default is not something it said.
        raised.update({k: v for k, v in vars(exc).items() if k in ProviderError._types})
    return raised


_loop_lock = threading.Lock()
_loop: Optional[Tuple[int, asyncio.AbstractEventLoop]] = None


def _private_loop() -> asyncio.AbstractEventLoop:
    """This module's event loop, running in a daemon thread (a new one after a fork)."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop[0] != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="concierge-adapters", daemon=True).start()
            _loop = (os.getpid(), loop)
        return _loop[1]


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


def _dispatcher(adapter: Any) -> Callable[[str, str], str]:
    def dispatch(method: str, args_json: str) -> str:
        try:
            result = getattr(adapter, method)(json.loads(args_json))
            if inspect.isawaitable(result):
                result = asyncio.run_coroutine_threadsafe(_awaited(result), _private_loop()).result()
            return encode({"ok": result})
        except Exception as exc:
            return json.dumps({"raised": _raised(exc)})

    return dispatch


#: An adapter in the native module's form: its ``name``, ``properties_per_listing`` and
#: ``consent_url`` (None when it has no such attribute) and its dispatch.
NativeAdapter = Tuple[Optional[str], Optional[int], Optional[str], Callable[[str, str], str]]

#: An adapter of any kind.
Adapter = Union[PmsAdapter, StrataAdapter, IntercomAdapter, KeyEncoderAdapter, MailerAdapter]


def native_adapter(adapter: Optional[Adapter]) -> Optional[NativeAdapter]:
    """The native module's form of an adapter of any kind: what it declares, read once, and its
    dispatch. The engine reads the rest (a nameless adapter is a ``ValidationError`` naming
    ``<kind>.name``)."""
    if adapter is None:
        return None
    return (
        getattr(adapter, "name", None),
        getattr(adapter, "properties_per_listing", None),
        getattr(adapter, "consent_url", None),
        _dispatcher(adapter),
    )
