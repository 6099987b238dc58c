#!/usr/bin/env python3
"""Prepare ButterflyMX's OpenAPI 3.0.1 document for a JSON Schema 2020-12 validator.

Usage:
    python3 prepare_butterflymx.py path/to/butterflymx-api-openapi.json [output.json]

The output (default: butterflymx-openapi.json next to this script) is the whole vendor document,
every path, operation, parameter, example and description kept in the vendor's key order, with
two kinds of change and nothing else:

1. OpenAPI 3.0 keywords that JSON Schema 2020-12 reads differently are rewritten:
   * `nullable: true` is removed and expressed as a type union (`"type": [T, "null"]`, null added
     to any `enum`); the document is therefore labelled `openapi: 3.1.0`, whose dialect is 2020-12;
   * `format: time` is renamed `x-oas30-format: time`: OpenAPI 3.0 defines no `time` format, and
     the vendor means a wall-clock `HH:MM` ("12:05"), while 2020-12's `time` asserts RFC 3339
     `full-time` ("12:05:00Z") and would refuse every vendor example;
   * `exclusiveMinimum`/`exclusiveMaximum` booleans (3.0) would become numbers; the vendor file
     has none, and the script stops if one appears.
2. The vendor errors listed in CORRECTIONS, each a schema that contradicts the vendor's own
   successful examples. Each is applied at an exact JSON pointer and checked to apply (the script
   stops if the vendor file changed under it).

Standard library only; the output is deterministic (two-space indent, vendor key order).
"""

import hashlib
import json
import os
import sys

# The vendor file (api-evangelist/butterflymx:openapi/_original/butterflymx-api-openapi.json at
# commit 9d601bc389464c5729a1911961a9ca65186c2bbf; see README.md).
EXPECTED_SHA256 = "28acc0a990012e709ba99530189cef905c482809f09341adcb106647b678735e"

BODY = "requestBody/content/application~1json/schema"


def pointer(path, method, rest):
    """The JSON pointer of `rest` under the operation `method path`."""
    escaped = path.replace("~", "~0").replace("/", "~1")
    return f"/paths/{escaped}/{method}/{rest}"


# Each correction: (id, JSON pointer of the object changed, what it must be before, what it
# becomes, why). `before` is compared exactly, so a changed vendor file stops the script.
CORRECTIONS = [
    (
        # The tenant object's `required` names first_name, last_name and email, which are
        # properties of `user_attributes` (whose own `required` lists them); every example,
        # including the two 201 ones, nests them there and sends none at the top level.
        "tenant-create-required",
        pointer("/v4/tenants", "post", BODY + "/properties/tenant/required"),
        ["first_name", "last_name", "email", "unit_id", "active_at"],
        ["unit_id", "active_at"],
        "POST /v4/tenants: `tenant.required` listed first_name, last_name and email, which are "
        "properties of `tenant.user_attributes` (required there); the 201 examples send them "
        "only there",
    ),
    (
        # A recurring keychain has start_date/end_date/time_from/time_to, not starts_at/ends_at,
        # and `additionalProperties: false` forbids those two, so no body could ever validate.
        "recurring-keychain-required",
        pointer("/v4/keychains/recurring", "post", BODY + "/properties/keychain/required"),
        ["name", "starts_at", "ends_at"],
        ["name"],
        "POST /v4/keychains/recurring: `keychain.required` listed starts_at and ends_at, which "
        "are not properties of a recurring keychain and which `additionalProperties: false` "
        "forbids; the 201 example sends start_date, end_date, time_from and time_to instead",
    ),
    (
        # Every example (200, 404, 422) wraps the PIN in `pin`, as POST /v4/access_tools/pins
        # declares; this schema describes the inner object only.
        "pin-update-wrapper",
        pointer("/v4/access_tools/pins/{id}", "put", BODY),
        {
            "type": "object",
            "properties": {"code": {"type": "string", "example": "336901"}},
            "required": ["code"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "pin": {
                    "type": "object",
                    "properties": {"code": {"type": "string", "example": "336901"}},
                    "required": ["code"],
                    "additionalProperties": False,
                }
            },
            "required": ["pin"],
        },
        "PUT /v4/access_tools/pins/{id}: the schema lacked the `pin` wrapper that every example "
        "(200, 404, 422) and POST /v4/access_tools/pins use; the inner schema is kept as it was",
    ),
    (
        # Same for RFID tags: both examples (201, 422) wrap the body in `rfid_tag`.
        "rfid-tag-create-wrapper",
        pointer("/v4/access_tools/rfid_tags", "post", BODY),
        {
            "type": "object",
            "properties": {
                "identifier": {"type": "string", "example": "C97FBE9BAFDD4BAD67ED"},
                "tenant_id": {"type": "integer", "example": 123},
            },
            "required": ["tenant_id"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "rfid_tag": {
                    "type": "object",
                    "properties": {
                        "identifier": {"type": "string", "example": "C97FBE9BAFDD4BAD67ED"},
                        "tenant_id": {"type": "integer", "example": 123},
                    },
                    "required": ["tenant_id"],
                    "additionalProperties": False,
                }
            },
            "required": ["rfid_tag"],
        },
        "POST /v4/access_tools/rfid_tags: the schema lacked the `rfid_tag` wrapper that both "
        "examples (201, 422) use; the inner schema is kept as it was",
    ),
    (
        # The example "ignores attributes explicitly set to null" sends `floor: null` and is
        # answered 200: null is accepted (and ignored) on a unit update.
        "unit-update-floor-null",
        pointer("/v4/buildings/{building_id}/units/{id}", "put", BODY + "/properties/unit/properties/floor"),
        {"type": "string", "description": "floor label", "example": "1"},
        {"type": ["string", "null"], "description": "floor label", "example": "1"},
        "PUT /v4/buildings/{building_id}/units/{id}: `unit.floor` made nullable; the example "
        "\"ignores attributes explicitly set to null\" sends floor null and is answered 200",
    ),
]

# The webhook binding's `resource_id` is a string whose own schema example is null, as is the
# value in the vendor's webhook guide ("resource_id": null for "all resources"): nullable.
for _path, _method in [
    ("/v4/buildings/{building_id}/integrations", "post"),
    ("/v4/buildings/{building_id}/integrations/{id}", "put"),
    ("/v4/tenants/{tenant_id}/integrations", "post"),
    ("/v4/tenants/{tenant_id}/integrations/{id}", "put"),
]:
    CORRECTIONS.append(
        (
            "integration-resource-id-null",
            pointer(
                _path,
                _method,
                BODY + "/properties/data/properties/attributes/properties/bindings/items"
                "/properties/resource_id",
            ),
            {"type": "string", "example": None},
            {"type": ["string", "null"], "example": None},
            f"{_method.upper()} {_path}: `bindings[].resource_id` made nullable; its own schema "
            "example is null, as in the vendor's webhook guide (null binds every resource)",
        )
    )


def resolve(doc, ptr):
    """The parent container and last key of the JSON pointer `ptr` in `doc`."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in ptr.lstrip("/").split("/")]
    node = doc
    for part in parts[:-1]:
        if part not in node:
            sys.exit(f"correction pointer {ptr!r}: no {part!r}")
        node = node[part]
    if parts[-1] not in node:
        sys.exit(f"correction pointer {ptr!r}: no {parts[-1]!r}")
    return node, parts[-1]


def convert(node, where, stats):
    """Rewrite the OpenAPI 3.0 keywords 2020-12 misreads, recursively (see the module doc)."""
    if isinstance(node, list):
        return [convert(item, f"{where}/{i}", stats) for i, item in enumerate(node)]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        out[key] = convert(value, f"{where}/{key}", stats)
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        if isinstance(out.get(key), bool):
            sys.exit(f"{where}: boolean {key} (OpenAPI 3.0) is not handled")
    if out.get("format") == "time":
        rebuilt = {}
        for key, value in out.items():
            rebuilt["x-oas30-format" if key == "format" else key] = value
        out = rebuilt
        stats["format: time"] += 1
    if "nullable" in out:
        flag = out.pop("nullable")
        if flag is not True:
            return out
        stats["nullable: true"] += 1
        if "type" not in out:
            sys.exit(f"{where}: nullable without type is not handled")
        kinds = out["type"] if isinstance(out["type"], list) else [out["type"]]
        if "null" not in kinds:
            kinds = kinds + ["null"]
        out["type"] = kinds if len(kinds) > 1 else kinds[0]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = out["enum"] + [None]
    return out


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    source = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    target = sys.argv[2] if len(sys.argv) == 3 else os.path.join(here, "butterflymx-openapi.json")

    raw = open(source, "rb").read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != EXPECTED_SHA256:
        print(f"warning: {source} has sha256 {digest}, expected {EXPECTED_SHA256}", file=sys.stderr)
    doc = json.loads(raw)
    if doc.get("openapi") != "3.0.1":
        sys.exit(f"expected OpenAPI 3.0.1, found {doc.get('openapi')!r}")

    # Corrections first, on the vendor's own text, so `before` compares against it verbatim.
    for ident, ptr, before, after, _why in CORRECTIONS:
        parent, key = resolve(doc, ptr)
        if parent[key] != before:
            sys.exit(f"correction {ident} at {ptr}: found {parent[key]!r}, expected {before!r}")
        parent[key] = after

    stats = {"nullable: true": 0, "format: time": 0}
    doc["paths"] = convert(doc["paths"], "/paths", stats)
    doc["components"] = convert(doc.get("components", {}), "/components", stats)

    prepared = {}
    for key, value in doc.items():
        prepared[key] = "3.1.0" if key == "openapi" else value
        if key == "info":
            prepared["x-concierge-origin"] = {
                "vendor-file": "butterflymx-api-openapi.json (ButterflyMX API v4, OpenAPI 3.0.1), "
                "from api-evangelist/butterflymx:openapi/_original/butterflymx-api-openapi.json "
                "at commit 9d601bc389464c5729a1911961a9ca65186c2bbf; see spec/README.md",
                "vendor-file-sha256": digest,
                "prepared-by": "crates/concierge-contract/spec/prepare_butterflymx.py",
                "transformations": [
                    f"OpenAPI 3.0 `nullable: true` rewritten as a JSON Schema type union "
                    f"({stats['nullable: true']} schemas), hence `openapi: 3.1.0`",
                    f"`format: time` renamed `x-oas30-format: time` ({stats['format: time']} "
                    "schemas): the vendor means HH:MM, 2020-12 would assert RFC 3339 full-time",
                ],
                "corrections": [f"{ident}: {why}" for ident, _p, _b, _a, why in CORRECTIONS],
            }
    with open(target, "w", encoding="utf-8") as out:
        json.dump(prepared, out, indent=2, ensure_ascii=False)
        out.write("\n")
    print(
        f"wrote {target}: {len(prepared['paths'])} paths, "
        f"{stats['nullable: true']} nullable, {stats['format: time']} time formats, "
        f"{len(CORRECTIONS)} corrections"
    )


if __name__ == "__main__":
    main()
