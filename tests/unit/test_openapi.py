"""The published contract is a valid OpenAPI 3.1 document whose every $ref resolves inside it."""
from openapi_spec_validator import validate


def _refs(node):
    """Every $ref in a document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _resolve(doc, ref: str):
    """Follow a local JSON pointer; KeyError when it leads nowhere."""
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def test_the_document_validates_as_openapi_3_1(client):
    spec = client.get("/api/openapi.json").json
    validate(spec)  # raises on any error, unresolvable references included


def test_every_reference_resolves_inside_the_document(client):
    spec = client.get("/api/openapi.json").json
    refs = set(_refs(spec))
    assert len(refs) > 50
    for ref in refs:
        _resolve(spec, ref)
    assert not any("$id" in s for s in spec["components"]["schemas"].values())


def test_open311_is_typed_as_georeport_types_it(client):
    spec = client.get("/api/openapi.json").json
    op = spec["paths"]["/open311/v2/requests.{fmt}"]["get"]
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"] == "#/components/schemas/georeport_service_requests"
    request = _resolve(spec, "#/components/schemas/georeport_service_requests/$defs/service_request")
    address_id = _resolve(spec, request["properties"]["address_id"]["$ref"])
    identifier = _resolve(spec, address_id["anyOf"][0]["$ref"])
    assert identifier["type"] == "string"


def test_created_answers_are_documented_with_their_status(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert "201" in paths["/api/v1/units"]["post"]["responses"]
    assert "204" in paths["/api/v1/auth/password"]["post"]["responses"]
    assert "429" in paths["/api/v1/auth/login"]["post"]["responses"]
