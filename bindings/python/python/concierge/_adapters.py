"""Adapters written in Python (R-SDK-1). Hand-written; this module owns: the ``PmsAdapter`` and
``KeyEncoderAdapter`` protocols, ``provider_error``, turning an adapter object into the one
``dispatch(method, args_json) -> answer_json`` callable the native module calls, and the private
asyncio event loop (a daemon thread) on which ``async def`` methods run.

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


NativePms = Tuple[Optional[str], Optional[int], Callable[[str, str], str]]
NativeKeyEncoder = Tuple[Optional[str], Callable[[str, str], str]]


def native_pms(adapter: Optional[PmsAdapter]) -> Optional[NativePms]:
    """The native module's form of a PMS adapter: its name, its ``properties_per_listing``
    (None when it has none) and its dispatch."""
    if adapter is None:
        return None
    return (getattr(adapter, "name", None), getattr(adapter, "properties_per_listing", None), _dispatcher(adapter))


def native_key_encoder(adapter: Optional[KeyEncoderAdapter]) -> Optional[NativeKeyEncoder]:
    """The native module's form of a key encoder adapter: its name and its dispatch."""
    if adapter is None:
        return None
    return (getattr(adapter, "name", None), _dispatcher(adapter))
