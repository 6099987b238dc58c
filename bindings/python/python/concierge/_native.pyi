# The native module: JSON in, JSON out. Python users use the generated classes of the
# `concierge` package; this stub is checked against the module by mypy.stubtest.
from typing import Awaitable, Callable, Optional, Tuple, final

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

def open(
    settings: str,
    pms: Optional[_Adapter] = None,
    strata: Optional[_Adapter] = None,
    intercom: Optional[_Adapter] = None,
    key_encoder: Optional[_Adapter] = None,
    mailer: Optional[_Adapter] = None,
) -> NativeHandle: ...
def open_async(
    settings: str,
    pms: Optional[_Adapter] = None,
    strata: Optional[_Adapter] = None,
    intercom: Optional[_Adapter] = None,
    key_encoder: Optional[_Adapter] = None,
    mailer: Optional[_Adapter] = None,
) -> Awaitable[NativeHandle]: ...
