"""How the generated classes talk to the native module: arguments to JSON and back, results
decoded into the generated records, pages fetched one after another, errors raised as the
generated exception classes. Conversion only: every name, default, check and rule lives in the
Rust facade (``concierge::api``) from which ``_generated.py`` is generated."""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
from typing import Any, AsyncIterator, Dict, Generic, Iterator, List, Mapping, Optional, TypeVar

from concierge import _native

T = TypeVar("T")

# name -> (class, {field: tag}); filled by _generated.py.
_RECORDS: Dict[str, Any] = {}


def _register(name: str, cls: Any, fields: Dict[str, str]) -> None:
    _RECORDS[name] = (cls, fields)


def _datetime(text: str) -> datetime.datetime:
    # Python 3.9 and 3.10 do not read a trailing "Z".
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def decode(tag: str, value: Any) -> Any:
    """The Python value of ``value`` (JSON) for a decoding tag of the generated code."""
    if tag.endswith("?"):
        return None if value is None else decode(tag[:-1], value)
    if tag.startswith("["):
        return [decode(tag[1:-1], v) for v in value]
    if tag == "s":
        return value
    if tag == "datetime":
        return _datetime(value)
    if tag == "date":
        return datetime.date.fromisoformat(value)
    cls, fields = _RECORDS[tag]
    return cls(**{name: decode(fields[name], value.get(name)) for name in fields})


def _json_default(value: Any) -> Any:
    # What the json module cannot write itself; it walks dicts and lists in C and asks here
    # only for the rest (an adapter's page of 1,000 records is mostly plain dicts).
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{type(value).__name__} is not JSON: pass dicts, lists, strings, numbers, dates or records")


def encode(value: Any) -> str:
    """JSON of an argument: dataclasses and mappings as objects, dates as ISO 8601."""
    return json.dumps(value, default=_json_default)


def _given(args: Dict[str, Any]) -> Dict[str, Any]:
    # An option left at None is not given: the facade's default applies.
    return {k: v for k, v in args.items() if v is not None}


class ConciergeError(Exception):
    """Every Concierge failure: ``code`` is stable across languages; the fields of the code
    are attributes (see the subclasses)."""

    code: str = ""
    retryable: bool = False
    _types: Dict[str, str] = {}

    def __init__(self, message: str, code: str, fields: str = "{}") -> None:
        super().__init__(message)
        self.code = code
        self._fields_json = fields
        values = json.loads(fields)
        for name, value in values.items():
            setattr(self, name, decode(self._types.get(name, "s"), value))

    def __reduce__(self) -> Any:
        return (type(self), (self.args[0], self.code, self._fields_json))


class Page(Generic[T]):
    """One page of a listing: its items and the cursor of the next page (None on the last)."""

    def __init__(self, items: List[T], next_cursor: Optional[str]) -> None:
        self.items = items
        self.next_cursor = next_cursor

    def __repr__(self) -> str:
        return f"Page(items=<{len(self.items)}>, next_cursor={self.next_cursor!r})"


class Paginator(Generic[T]):
    """A listing: iterate it for every item, page after page (each page fetched when needed),
    or call ``pages()`` for the pages themselves."""

    def __init__(self, fetch: Any, tag: str) -> None:
        self._fetch = fetch
        self._tag = tag

    def pages(self) -> Iterator[Page[T]]:
        cursor: Optional[str] = None
        while True:
            raw = self._fetch(cursor)
            page: Page[T] = Page([decode(self._tag, v) for v in raw["items"]], raw["next_cursor"])
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items


class AsyncPaginator(Generic[T]):
    """A listing for asyncio: ``async for`` every item, or ``pages()`` for the pages."""

    def __init__(self, fetch: Any, tag: str) -> None:
        self._fetch = fetch
        self._tag = tag

    async def pages(self) -> AsyncIterator[Page[T]]:
        cursor: Optional[str] = None
        while True:
            raw = await self._fetch(cursor)
            page: Page[T] = Page([decode(self._tag, v) for v in raw["items"]], raw["next_cursor"])
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item


def _settings(settings: Optional[Mapping[str, Any]], kwargs: Dict[str, Any]) -> str:
    # A keyword left at None is not given; the mapping and the keywords together are the
    # settings, read (and refused) by the facade.
    merged: Dict[str, Any] = dict(settings or {})
    merged.update(_given(kwargs))
    return encode(merged)


def _native_adapters(adapters: Mapping[str, Any]) -> Dict[str, Any]:
    # The adapters given (written in Python), by kind, in the native module's form (see
    # _adapters.py, which imports this module: imported when first used).
    from concierge import _adapters

    native = {kind: _adapters.native_adapter(kind, adapter) for kind, adapter in adapters.items()}
    return {kind: made for kind, made in native.items() if made is not None}


class SandboxBase:
    """The sandbox's controls of one handle."""

    def __init__(self, native: Any) -> None:
        self._native = native

    def _call(self, op: str, admin: Any, positional: Dict[str, Any], options: Dict[str, Any], tag: str) -> Any:
        raw = self._native.call(op, None, encode(positional), encode(_given(options)))
        return decode(tag, json.loads(raw))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _controls(handle: Any) -> Any:
    if not handle._native.is_sandbox():
        return None
    from concierge._generated import SandboxControls

    return SandboxControls(handle._native)


class Handle:
    """A blocking handle; ``Concierge`` adds the operations."""

    def __init__(self, native: Any) -> None:
        self._native = native

    @classmethod
    def _open(cls, settings: Optional[Mapping[str, Any]], kwargs: Dict[str, Any], adapters: Mapping[str, Any]) -> Any:
        return cls(_native.open(_settings(settings, kwargs), _native_adapters(adapters)))

    def _controls(self) -> Any:
        return _controls(self)

    def close(self) -> None:
        """Closes the handle and its store; later calls raise ``ClosedError``."""
        self._native.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._native.summary()})"

    def _call(self, op: str, admin: Any, positional: Dict[str, Any], options: Dict[str, Any], tag: str) -> Any:
        raw = self._native.call(op, None if admin is None else encode(admin), encode(positional), encode(_given(options)))
        return decode(tag, json.loads(raw))

    def _paged(self, op: str, admin: Any, positional: Dict[str, Any], options: Dict[str, Any], tag: str) -> Any:
        options = _given(options)

        def fetch(cursor: Optional[str]) -> Any:
            page = dict(options)
            if cursor is not None:
                page["cursor"] = cursor
            return json.loads(self._native.call(op, encode(admin), encode(positional), encode(page)))

        return Paginator(fetch, tag)


class AsyncHandle:
    """An asyncio handle; ``AsyncConcierge`` adds the operations."""

    def __init__(self, native: Any) -> None:
        self._native = native

    @classmethod
    async def _open(
        cls, settings: Optional[Mapping[str, Any]], kwargs: Dict[str, Any], adapters: Mapping[str, Any]
    ) -> Any:
        return cls(await _native.open_async(_settings(settings, kwargs), _native_adapters(adapters)))

    def _controls(self) -> Any:
        return _controls(self)

    async def close(self) -> None:
        """Closes the handle and its store; later calls raise ``ClosedError``."""
        await self._native.close_async()

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._native.summary()})"

    async def _call(self, op: str, admin: Any, positional: Dict[str, Any], options: Dict[str, Any], tag: str) -> Any:
        raw = await self._native.call_async(
            op, None if admin is None else encode(admin), encode(positional), encode(_given(options))
        )
        return decode(tag, json.loads(raw))

    def _paged(self, op: str, admin: Any, positional: Dict[str, Any], options: Dict[str, Any], tag: str) -> Any:
        options = _given(options)

        async def fetch(cursor: Optional[str]) -> Any:
            page = dict(options)
            if cursor is not None:
                page["cursor"] = cursor
            return json.loads(await self._native.call_async(op, encode(admin), encode(positional), encode(page)))

        return AsyncPaginator(fetch, tag)
