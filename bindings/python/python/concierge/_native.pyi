# The native module: JSON in, JSON out. Python users use the generated classes of the
# `concierge` package; this stub is checked against the module by mypy.stubtest.
from typing import Awaitable, Callable, Mapping, Optional, Tuple, final

__all__ = ["__version__", "NativeHandle", "open", "open_async"]

__version__: str

@final
class NativeHandle:
    def call(self, op: str, admin: Optional[str], positional: str, options: str) -> str: ...
    def call_async(
        self, op: str, admin: Optional[str], positional: str, options: str
    ) -> Awaitable[str]: ...
    def close(self) -> None: ...
    def close_async(self) -> Awaitable[None]: ...
    def summary(self) -> str: ...
    def is_sandbox(self) -> bool: ...

# An adapter written in Python, of any kind (see _adapters.py): its name, a PMS's
# properties_per_listing, an intercom's consent_url (each None when not said), and
# `dispatch(method, args_json) -> answer_json`.
_Adapter = Tuple[Optional[str], Optional[int], Optional[str], Callable[[str, str], str]]

# The adapters given, by kind as the engine names them (`pms`, `key_encoder`...).
def open(settings: str, adapters: Optional[Mapping[str, _Adapter]] = None) -> NativeHandle: ...
def open_async(settings: str, adapters: Optional[Mapping[str, _Adapter]] = None) -> Awaitable[NativeHandle]: ...
