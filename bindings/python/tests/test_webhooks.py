"""Buildium's signed webhooks from Python (R-PMS-6): a delivery signed as Buildium signs it (the
base64 HMAC-SHA256 of ``timestamp + "." + body`` with the subscription's secret) re-syncs the
one property it names, through the PMS; a forged, stale, replayed or header-less delivery raises
``WebhookRejectedError`` with its reason and changes nothing. The PMS here is an adapter written
in Python that answers as Buildium's ids do."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any, List

import pytest

from concierge import (
    Admin,
    AdapterPage,
    Concierge,
    ListPmsPropertiesRequest,
    ListPmsResidentsRequest,
    ListPmsUnitsRequest,
    PmsProperty,
    PmsResident,
    PmsUnit,
    WebhookRejectedError,
)

SECRET = "whsec-python-canary-0f3b"


def ref(id: str) -> dict[str, str]:
    return {"provider": "buildium", "id": id}


class TinyBuildium:
    """Two properties of one unit each, with Buildium's numeric ids; keeps which properties each
    unit listing asked for."""

    name = "buildium"

    def __init__(self) -> None:
        self.unit_listings: List[List[str]] = []

    def list_properties(self, request: ListPmsPropertiesRequest) -> AdapterPage[PmsProperty]:
        return {"items": [{"external": ref("101"), "name": "Harbour View"}, {"external": ref("102"), "name": "Bay"}]}

    def list_units(self, request: ListPmsUnitsRequest) -> AdapterPage[PmsUnit]:
        asked = [p.id for p in request.properties]
        self.unit_listings.append(asked)
        units: List[Any] = [
            {"external": ref(f"{p}1"), "property": ref(p), "building_name": None, "floor": None, "number": "1"}
            for p in asked
        ]
        return {"items": units, "next": None}

    def list_residents(self, request: ListPmsResidentsRequest) -> AdapterPage[PmsResident]:
        return {"items": [], "next": None}


def sign(timestamp: str, body: str, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# R-PMS-6
def test_a_signed_delivery_resyncs_its_property_once_and_bad_ones_are_refused(admin: Admin) -> None:
    pms = TinyBuildium()
    with Concierge.open(sandbox={}, pms=pms, buildium_webhook={"secret": SECRET}) as concierge:
        harbour = concierge.register_property(admin, "Harbour View", "harbour-view")
        bay = concierge.register_property(admin, "Bay", "bay")
        concierge.link_pms_property(admin, harbour.id, "101")
        concierge.link_pms_property(admin, bay.id, "102")
        concierge.sync_now(admin, harbour.id)
        concierge.sync_now(admin, bay.id)
        controls = concierge.sandbox_controls
        assert controls is not None
        now = str(int(controls.now().timestamp()))
        body = '{"EventName":"Lease.Updated","AccountId":1,"LeaseId":7,"UnitId":1011}'

        def refused(timestamp: Any, signature: Any, body: str) -> str:
            with pytest.raises(WebhookRejectedError) as caught:
                concierge.receive_buildium_webhook(timestamp, signature, body)
            assert caught.value.code == "WEBHOOK_REJECTED" and caught.value.retryable is False
            assert SECRET not in str(caught.value)
            return str(caught.value.reason)

        assert refused(now, sign(now, body, "another-secret"), body) == "bad_signature"
        assert refused(now, sign(now, body), body.replace("1011", "1021")) == "bad_signature"
        old = str(int(now) - 3600)
        assert refused(old, sign(old, body), body) == "stale"
        assert refused(None, sign(now, body), body) == "missing_header"
        assert concierge.process_webhook_events() == 0

        pms.unit_listings.clear()
        receipt = concierge.receive_buildium_webhook(now, sign(now, body), body)
        assert receipt.queued and receipt.property_id == harbour.id and receipt.event == "Lease.Updated"
        concierge.process_webhook_events()
        assert concierge.process_webhook_events() == 0
        # Harbour View alone was read again, once.
        assert pms.unit_listings == [["101"]]

        assert refused(now, sign(now, body), body) == "replayed"
        assert concierge.process_webhook_events() == 0
        assert pms.unit_listings == [["101"]]
