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

# An adapter written in Python (see _adapters.py): its name, for a PMS how many properties one
# listing names (None: not said), and `dispatch(method, args_json) -> answer_json`.
_Pms = Tuple[Optional[str], Optional[int], Callable[[str, str], str]]
_KeyEncoder = Tuple[Optional[str], Callable[[str, str], str]]

def open(
    settings: str, pms: Optional[_Pms] = None, key_encoder: Optional[_KeyEncoder] = None
) -> NativeHandle: ...
def open_async(
    settings: str, pms: Optional[_Pms] = None, key_encoder: Optional[_KeyEncoder] = None
) -> Awaitable[NativeHandle]: ...
