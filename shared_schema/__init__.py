"""The machine-readable contract between the PWA and the server (v1).

Pure helpers over the JSON files in this directory: no Flask, no database.

    from shared_schema import validator, load_catalogue
    errors = list(validator("sync_push_request").iter_errors(doc))

A schema is named by its file stem without ".schema.json" ("finding" is
finding.schema.json, $id https://chuangcheng.local/schema/finding.json).
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).resolve().parent
BASE_URI = "https://chuangcheng.local/schema/"
SUFFIX = ".schema.json"

__all__ = ["SCHEMA_DIR", "BASE_URI", "schema_names", "schema_id", "load_schema", "registry",
           "format_checker", "validator", "load_catalogue", "load_enums"]

# RFC 3339 with a mandatory offset; the same pattern the schemas carry.
_DATE_TIME = re.compile(
    r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)


def _name(name: str) -> str:
    """Accept "finding", "finding.schema.json", "finding.json" or the full $id."""
    if name.startswith(BASE_URI):
        name = name[len(BASE_URI):]
    for suffix in (SUFFIX, ".json"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def schema_names() -> list[str]:
    """Names of every schema in the directory, sorted."""
    return sorted(p.name[: -len(SUFFIX)] for p in SCHEMA_DIR.glob("*" + SUFFIX))


def schema_id(name: str) -> str:
    """The $id of a schema, e.g. https://chuangcheng.local/schema/finding.json."""
    return f"{BASE_URI}{_name(name)}.json"


def _text(filename: str) -> str:
    """The text of one file of the directory."""
    return (SCHEMA_DIR / filename).read_text(encoding="utf-8")


def load_schema(name: str) -> dict:
    """A fresh copy of one schema as a dict."""
    stem = _name(name)
    path = SCHEMA_DIR / (stem + SUFFIX)
    if not path.is_file():
        raise KeyError(f"no schema named {name!r} in {SCHEMA_DIR}")
    return json.loads(_text(path.name))


@lru_cache(maxsize=None)
def registry() -> Registry:
    """A referencing Registry holding every schema under its $id."""
    resources = []
    for name in schema_names():
        contents = load_schema(name)
        resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


def _is_date_time(instance: object) -> bool:
    """date-time with an offset that Python can parse (jsonschema has no checker of its own
    unless rfc3339-validator is installed)."""
    if not isinstance(instance, str):
        return True
    if not _DATE_TIME.match(instance):
        return False
    try:
        datetime.fromisoformat(instance.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def format_checker() -> FormatChecker:
    """FormatChecker() with a date-time check added when jsonschema lacks one."""
    checker = FormatChecker()
    if "date-time" not in checker.checkers:
        checker.checks("date-time")(_is_date_time)
    return checker


def validator(name: str) -> Draft202012Validator:
    """A Draft 2020-12 validator for the named schema, resolving $refs and checking formats."""
    return Draft202012Validator(load_schema(name), registry=registry(),
                                format_checker=format_checker())


def load_catalogue() -> dict:
    """The checklist catalogue (checklists.json)."""
    return json.loads(_text("checklists.json"))


def load_enums() -> dict:
    """The enumerations with their Chinese labels (enums.json)."""
    return json.loads(_text("enums.json"))
