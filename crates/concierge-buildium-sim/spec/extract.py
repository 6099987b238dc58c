#!/usr/bin/env python3
"""Extract the part of Buildium's OpenAPI file that the simulator and the adapter use.

Usage:
    python3 extract.py path/to/buildium-openapi.json [output.json]

The output (default: buildium-subset.json next to this script) holds, taken verbatim from the
vendor file:

* the GET operation of every path in PATHS (parameters and responses, other methods dropped);
* every component schema those operations reference, followed transitively through $ref.

One transformation is applied so that a JSON Schema 2020-12 validator reads the schemas the way
OpenAPI 3.0 means them: `nullable: true` is removed and expressed as a type union instead
(`"type": [T, "null"]`, with null added to any `enum`; a nullable `allOf` wrapper becomes
`anyOf: [<the allOf>, {"type": "null"}]`). The document is therefore labelled OpenAPI 3.1.0,
whose schema dialect is JSON Schema 2020-12.

A second transformation makes two bounds the vendor states only in prose machine-checkable, so a
contract test can check paging values: every `limit` parameter, described as "`limit` can range
between 1 and 1000", gets `minimum: 1, maximum: 1000`; every `offset` parameter, described as
"The `offset` is zero-based", gets `minimum: 0` (PROSE_BOUNDS; the script stops if a `limit` or
`offset` parameter lacks the phrase). Nothing else is changed.

Standard library only; the output is deterministic (sorted keys, two-space indent).
"""

import copy
import hashlib
import json
import os
import sys

# The vendor file this subset was taken from (Buildium Open API v1, OpenAPI 3.0.4; see README.md).
EXPECTED_SHA256 = "79140fb7e120fd58d58423cb62988ab503fd90ca5935a9bf76d3c38bc0f416c9"

PATHS = [
    "/v1/rentals",
    "/v1/rentals/{propertyId}",
    "/v1/rentals/units",
    "/v1/rentals/units/{unitId}",
    "/v1/leases",
    "/v1/leases/{leaseId}",
    "/v1/leases/tenants",
    "/v1/leases/tenants/{tenantId}",
    "/v1/leases/{leaseId}/moveouts",
]


def refs(node, out):
    """Collect the component schema names referenced anywhere under node."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                prefix = "#/components/schemas/"
                if not value.startswith(prefix):
                    sys.exit(f"unsupported $ref {value!r}")
                out.add(value[len(prefix):])
            else:
                refs(value, out)
    elif isinstance(node, list):
        for item in node:
            refs(item, out)


def closure(schemas, roots):
    seen = set()
    todo = sorted(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in schemas:
            sys.exit(f"schema {name!r} is referenced but not defined")
        seen.add(name)
        found = set()
        refs(schemas[name], found)
        todo.extend(sorted(found - seen))
    return seen


# Bounds the vendor states in a parameter's description only: (name, phrase, bounds added).
PROSE_BOUNDS = [
    ("limit", "`limit` can range between 1 and 1000", {"minimum": 1, "maximum": 1000}),
    ("offset", "The `offset` is zero-based", {"minimum": 0}),
]


def bound(paths):
    """Add PROSE_BOUNDS to the schema of every matching query parameter; how many were bounded."""
    count = 0
    for path, item in paths.items():
        for parameter in item["get"].get("parameters", []):
            for name, phrase, bounds in PROSE_BOUNDS:
                if parameter.get("in") != "query" or parameter.get("name") != name:
                    continue
                if phrase not in parameter.get("description", ""):
                    sys.exit(f"{path}: the `{name}` parameter no longer says {phrase!r}")
                if parameter["schema"].get("type") != "integer":
                    sys.exit(f"{path}: the `{name}` parameter is not an integer")
                parameter["schema"].update(bounds)
                count += 1
    return count


def denull(node):
    """Rewrite OpenAPI 3.0 `nullable: true` as JSON Schema type unions, recursively."""
    if isinstance(node, list):
        return [denull(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: denull(value) for key, value in node.items()}
    if node.pop("nullable", False) is not True:
        return node
    if "type" in node:
        kind = node["type"]
        kinds = kind if isinstance(kind, list) else [kind]
        if "null" not in kinds:
            kinds = kinds + ["null"]
        node["type"] = kinds
        if "enum" in node and None not in node["enum"]:
            node["enum"] = node["enum"] + [None]
        return node
    if "allOf" in node:
        wrapped = {"allOf": node.pop("allOf")}
        node["anyOf"] = [wrapped, {"type": "null"}]
        return node
    if "$ref" in node:
        wrapped = {"$ref": node.pop("$ref")}
        node["anyOf"] = [wrapped, {"type": "null"}]
        return node
    sys.exit(f"nullable schema without type, allOf or $ref: {node!r}")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    source = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    target = sys.argv[2] if len(sys.argv) == 3 else os.path.join(here, "buildium-subset.json")

    raw = open(source, "rb").read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != EXPECTED_SHA256:
        print(f"warning: {source} has sha256 {digest}, expected {EXPECTED_SHA256}", file=sys.stderr)
    spec = json.loads(raw)

    paths = {}
    for path in PATHS:
        item = spec["paths"].get(path)
        if item is None or "get" not in item:
            sys.exit(f"the vendor file has no GET {path}")
        paths[path] = {"get": copy.deepcopy(item["get"])}

    bounded = bound(paths)

    roots = set()
    refs(paths, roots)
    names = closure(spec["components"]["schemas"], roots)
    schemas = {name: copy.deepcopy(spec["components"]["schemas"][name]) for name in sorted(names)}

    subset = {
        "openapi": "3.1.0",
        "info": {
            "title": spec["info"].get("title"),
            "version": spec["info"].get("version"),
            "description": "A subset of Buildium's Open API description: the GET operations "
            "and component schemas the Concierge Buildium simulator and adapter use.",
        },
        "x-concierge-origin": {
            "vendor-file": "buildium-openapi.json (Buildium Open API v1, OpenAPI "
            + str(spec.get("openapi"))
            + "), copied byte for byte from ms-arronhoffer/mcp-server-buildium:openapi.json; "
            "see spec/README.md",
            "vendor-file-sha256": digest,
            "extracted-by": "crates/concierge-buildium-sim/spec/extract.py",
            "transformations": [
                "only the GET operation of each listed path is kept",
                "component schemas are the transitive $ref closure of those operations",
                "OpenAPI 3.0 `nullable: true` is rewritten as a JSON Schema type union "
                "(null added to enums; nullable allOf/$ref wrapped in anyOf with {type: null}), "
                "hence `openapi: 3.1.0`",
                "bounds stated in prose made schema keywords: `limit` (\"can range between 1 "
                "and 1000\") gets minimum 1 and maximum 1000, `offset` (\"zero-based\") gets "
                "minimum 0",
            ],
        },
        "paths": denull(paths),
        "components": {"schemas": denull(schemas)},
    }
    with open(target, "w", encoding="utf-8") as out:
        json.dump(subset, out, indent=2, sort_keys=True, ensure_ascii=False)
        out.write("\n")
    print(f"wrote {target}: {len(paths)} paths, {len(schemas)} schemas, {bounded} bounded parameters")


if __name__ == "__main__":
    main()
