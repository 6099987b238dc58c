"""Adapters written in Python (R-SDK-1). Hand-written; this module owns ``provider_error``,
turning an adapter object into the native module's form (what it declares and the one
``dispatch(method, args_json) -> answer_json`` callable), and the private asyncio event loop (a
daemon thread) on which ``async def`` methods run. The protocols of the five kinds
(``PmsAdapter``…) and the records their methods are given are generated in ``_generated.py``
from the Rust declaration (``concierge::foreign::ADAPTERS``).

Conversion only: the engine names the methods, builds their requests, reads their results (a
record of the wrong shape is a sync error naming its field) and types what they raise. Here a
request is decoded into its record (as results of operations are), the method is called with
it, an awaitable result is awaited, and the result or the exception is encoded back to JSON.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import threading
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, Generic, Mapping, Optional, Sequence, Tuple, TypeVar, Union

from typing_extensions import TypedDict

from concierge._runtime import decode, encode

if TYPE_CHECKING:
    from concierge._generated import ProviderError, ProviderErrorKind, RetryClass

T = TypeVar("T")

#: What a method returns: a value, or an awaitable of it (``async def``).
MaybeAwaitable = Union[T, Awaitable[T]]


class _Unreadable(TypedDict):
    external: Optional[Mapping[str, str]]
    message: str


class UnreadableRecord(TypedDict):
    """A record an adapter could not read, in place of the record on its page: its reference
    when known, and why, without its personal data."""

    unreadable: _Unreadable


class AdapterPage(TypedDict, Generic[T], total=False):
    """One page of an adapter's listing: ``items`` (records, dicts of their fields, or
    ``UnreadableRecord``s) and ``next``, the cursor of the next page (None or absent on the
    last). A cursor is the adapter's own text; one it never issued must be refused."""

    items: Sequence[Union[T, Mapping[str, Any], UnreadableRecord]]
    next: Optional[str]


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


def _dispatcher(adapter: Any, requests: Mapping[str, str]) -> Callable[[str, str], str]:
    def dispatch(method: str, args_json: str) -> str:
        try:
            args = json.loads(args_json)
            tag = requests.get(method)
            request = args if tag is None else decode(tag, args)
            result = getattr(adapter, method)(request)
            if inspect.isawaitable(result):
                result = asyncio.run_coroutine_threadsafe(_awaited(result), _private_loop()).result()
            return encode({"ok": result})
        except Exception as exc:
            return json.dumps({"raised": _raised(exc)})

    return dispatch


#: An adapter in the native module's form: its ``name``, ``properties_per_listing`` and
#: ``consent_url`` (None when it has no such attribute) and its dispatch.
NativeAdapter = Tuple[Optional[str], Optional[int], Optional[str], Callable[[str, str], str]]

def native_adapter(kind: str, adapter: Any) -> Optional[NativeAdapter]:
    """The native module's form of an adapter of ``kind``: what it declares, read once, and its
    dispatch, which decodes each request into its record. The engine reads the rest (a nameless
    adapter is a ``ValidationError`` naming ``<kind>.name``)."""
    if adapter is None:
        return None
    from concierge._generated import _ADAPTER_REQUESTS

    return (
        getattr(adapter, "name", None),
        getattr(adapter, "properties_per_listing", None),
        getattr(adapter, "consent_url", None),
        _dispatcher(adapter, _ADAPTER_REQUESTS.get(kind, {})),
    )
