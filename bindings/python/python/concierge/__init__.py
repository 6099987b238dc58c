"""Concierge: residents, accounts and building integrations for residential building staff.

``Concierge`` blocks; ``AsyncConcierge`` returns awaitables; both have the same operations,
generated from the Rust facade's one declaration of the API (docs/api.md). Start on the
sandbox::

    from concierge import Admin, Concierge

    with Concierge.open(sandbox={"seed": 7}) as concierge:
        desk = Admin.full_access("desk-1", "Front desk")
        prop = concierge.register_property(desk, "Harbour View", "harbour-view")

``Concierge.open`` takes the settings of ``concierge::Settings`` as keyword arguments or a
mapping: ``store`` (a SQLite file or a ``postgres://`` URL), ``smtp``, ``buildium``,
``salto``, ``sandbox`` and the rest. Listings (``list_residents``, ``list_keys``, …) return
paginators that fetch page after page as you iterate.
"""

from concierge._generated import *  # noqa: F401,F403
from concierge._generated import __all__ as _generated_all
from concierge._native import __version__
from concierge._runtime import AsyncPaginator, ConciergeError, Page, Paginator

__all__ = sorted(
    set(_generated_all) | {"AsyncPaginator", "ConciergeError", "Page", "Paginator", "__version__"}
)
