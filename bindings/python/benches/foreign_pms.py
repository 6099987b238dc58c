"""A PMS adapter written in Python against the Rust sandbox PMS serving the same residents
(R-SDK-1): the time of a full sync of every property through each, and their ratio, which is
what the binding costs. Both sync into a SQLite file of their own.

Run: python bindings/python/benches/foreign_pms.py (after `maturin develop` in bindings/python;
`BENCH_RESIDENTS` sets the number of residents, default 10000, over 10 properties).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from concierge import (
    AdapterPage,
    Admin,
    Concierge,
    ListPmsPropertiesRequest,
    ListPmsResidentsRequest,
    ListPmsUnitsRequest,
    PmsProperty,
    PmsResident,
    PmsUnit,
)
from concierge._runtime import encode

RESIDENTS = int(os.environ.get("BENCH_RESIDENTS", "10000"))
PROPERTIES = 10
PAGE = 1000


class MemoryPms:
    """The sandbox's residents, served from memory a page of 1,000 at a time."""

    name = "sandbox-pms"

    def __init__(self, properties: List[Dict[str, Any]], residents: Dict[str, List[Dict[str, Any]]]) -> None:
        self.properties = properties
        self.residents = residents
        self.units = {
            p: list({r["unit"]["id"]: {"external": r["unit"], "property": r["property"], "building_name": None,
                                        "floor": None, "number": r["unit"]["id"].rsplit("-", 1)[-1]}
                     for r in rs}.values())
            for p, rs in residents.items()
        }
        self.calls = 0

    def page(self, items: List[Dict[str, Any]], cursor: Optional[str]) -> AdapterPage[Any]:
        self.calls += 1
        start = int(cursor or 0)
        end = start + PAGE
        return {"items": items[start:end], "next": str(end) if end < len(items) else None}

    def list_properties(self, request: ListPmsPropertiesRequest) -> AdapterPage[PmsProperty]:
        return self.page(self.properties, request.cursor)

    def list_units(self, request: ListPmsUnitsRequest) -> AdapterPage[PmsUnit]:
        [prop] = request.properties
        return self.page(self.units[prop.id], request.cursor)

    def list_residents(self, request: ListPmsResidentsRequest) -> AdapterPage[PmsResident]:
        [prop] = request.properties
        return self.page(self.residents[prop.id], request.cursor)


def sync_all(concierge: Concierge, admin: Admin) -> float:
    """Registers and links every PMS property, then times one sync of them all."""
    for listed in concierge.list_pms_properties(admin):
        prop = concierge.register_property(admin, listed.name, listed.external.id)
        concierge.link_pms_property(admin, prop.id, listed.external.id)
    started = time.perf_counter()
    reports = concierge.sync_all(admin)
    seconds = time.perf_counter() - started
    created = sum(r.run.counts.created for r in reports)
    assert created == RESIDENTS, f"{created} of {RESIDENTS} residents created"
    return seconds


def main() -> None:
    admin = Admin.full_access("bench-1", "bench")
    portfolio = {"properties": PROPERTIES, "units_per_property": RESIDENTS // PROPERTIES,
                 "residents_per_unit": 1, "future_share_percent": 0, "page_size": PAGE}
    with tempfile.TemporaryDirectory() as dir:
        with Concierge.open(store=str(Path(dir) / "rust.db"), sandbox={"portfolio": portfolio}) as rust:
            rust_seconds = sync_all(rust, admin)
            controls = rust.sandbox_controls
            assert controls is not None
            properties = [json.loads(encode(p)) for p in controls.pms_properties()]
            residents = {p["external"]["id"]: [json.loads(encode(r)) for r in controls.pms_residents(p["external"]["id"])]
                         for p in properties}
        adapter = MemoryPms(properties, residents)
        with Concierge.open(store=str(Path(dir) / "python.db"), sandbox={}, pms=adapter) as python:
            python_seconds = sync_all(python, admin)
    print(f"full sync of {RESIDENTS} residents over {PROPERTIES} properties, pages of {PAGE}")
    print(f"  Rust sandbox PMS      {rust_seconds:8.2f} s")
    print(f"  Python adapter        {python_seconds:8.2f} s   {python_seconds / rust_seconds:.2f}x the Rust adapter's time, "
          f"{adapter.calls} calls into Python")


if __name__ == "__main__":
    main()
