"""A PMS adapter of one's own, written in Python (R-SDK-1): residents kept in a CSV file (here
inline), served to the engine page by page. Each method is given its request as a record
(`request.cursor`, `request.properties`) and returns a page of plain dicts. The provider
conformance kit checks it, then a sync moves its residents in; the row without a first name is
reported, the others land.

Run: python examples/python/csv_pms_adapter.py (after `maturin develop` in bindings/python)
"""

from __future__ import annotations

import csv
import io
from typing import Any, Dict, List, Optional

from concierge import (
    AdapterPage,
    Admin,
    Concierge,
    ExternalRef,
    ListPmsPropertiesRequest,
    ListPmsResidentsRequest,
    ListPmsUnitsRequest,
    PmsProperty,
    PmsResident,
    PmsUnit,
    provider_error,
)

CSV = """property,unit,resident,first_name,last_name,email,move_in
harbour,101,r-1,Ada,Lovelace,ada@example.org,2026-01-04
harbour,102,r-2,Grace,Hopper,grace@example.org,2026-01-04
harbour,103,r-3,,Turing,alan@example.org,2026-01-04
"""


class CsvPms:
    """A PMS over CSV rows: one property per distinct `property`, one unit per `unit`."""

    name = "csv-pms"

    def __init__(self, text: str, page_size: int = 2) -> None:
        self.rows = list(csv.DictReader(io.StringIO(text)))
        self.page_size = page_size

    def ref(self, id: str) -> Dict[str, str]:
        return {"provider": self.name, "id": id}

    def page(self, items: List[Dict[str, Any]], cursor: Optional[str]) -> AdapterPage[Any]:
        """One page of `items` from `cursor`, an offset this adapter issued (anything else is
        refused: the engine must never restart a listing silently)."""
        if cursor is not None and not cursor.isdigit():
            raise provider_error("rejected", "the cursor is not one this adapter issued")
        start = int(cursor or 0)
        end = start + self.page_size
        return {"items": items[start:end], "next": str(end) if end < len(items) else None}

    def rows_of(self, properties: List[ExternalRef]) -> List[Dict[str, str]]:
        wanted = {p.id for p in properties}
        return [r for r in self.rows if r["property"] in wanted]

    def list_properties(self, request: ListPmsPropertiesRequest) -> AdapterPage[PmsProperty]:
        ids = sorted({r["property"] for r in self.rows})
        return self.page([{"external": self.ref(i), "name": i} for i in ids], request.cursor)

    def list_units(self, request: ListPmsUnitsRequest) -> AdapterPage[PmsUnit]:
        units = {r["unit"]: r for r in self.rows_of(request.properties)}
        items = [
            {"external": self.ref(u), "property": self.ref(r["property"]), "number": u,
             "building_name": None, "floor": None}
            for u, r in units.items()
        ]
        return self.page(items, request.cursor)

    def list_residents(self, request: ListPmsResidentsRequest) -> AdapterPage[PmsResident]:
        items = [
            {
                "external": self.ref(r["resident"]),
                "property": self.ref(r["property"]),
                "unit": self.ref(r["unit"]),
                "first_name": r["first_name"],
                "last_name": r["last_name"],
                "email": r["email"],
                "phone": None,
                "role": "primary",
                "move_in": r["move_in"],
                "move_out": None,
                "updated_at": None,
            }
            for r in self.rows_of(request.properties)
        ]
        return self.page(items, request.cursor)


def main() -> None:
    with Concierge.open(sandbox={}, pms=CsvPms(CSV)) as concierge:
        lead = Admin.full_access("lead-1", "Integrations lead")

        report = concierge.check_pms_adapter(lead)
        print(f"kit: {report.passed} passed, {report.failed} failed, {report.skipped} skipped")
        assert report.failed == 0, [c for c in report.checks if c.outcome == "failed"]

        listed = concierge.list_pms_properties(lead)[0]
        prop = concierge.register_property(lead, "Harbour View", "harbour-view")
        concierge.link_pms_property(lead, prop.id, listed.external.id)
        run = concierge.sync_now(lead, prop.id).run
        print(f"created {run.counts.created}, failed {run.counts.failed}")
        for error in run.errors:
            print(error.kind, error.external.id if error.external else None)


if __name__ == "__main__":
    main()
