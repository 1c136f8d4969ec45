"""Schemathesis against the served OpenAPI document: for every operation, a bounded number of
generated requests (valid and invalid), signed in as an admin and as an inspector; no answer
is a 5xx and every JSON answer matches the schema its status documents.

It runs on a database of its own (own_app): generated requests create units, people and
points and change settings, which the shared demo database must not see.
"""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "6"))
# Operations whose generated bodies would sign the test users out or lock them (covered by
# their own tests): the rest of the document is fuzzed.
SKIP = {"api_logout_post", "api_change_password_post", "api_reset_password_post", "api_update_user_patch"}


def _operations(schema):
    """Every operation of the document."""
    for result in schema.get_all_operations():
        yield result.ok()


@pytest.mark.parametrize("username", ["admin", "inspector"])
def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(own_app, own_auth, username):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", own_app)
    headers = {**own_auth.headers(username), "Accept-Encoding": "identity"}
    failures, ran = [], 0
    for operation in _operations(schema):
        if operation.definition.raw.get("operationId") in SKIP:
            continue

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            nonlocal ran
            response = case.call(headers=headers)
            ran += 1
            try:
                case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
            except Exception as err:  # collect, to report every operation that fails at once
                failures.append(f"{operation.label}: {str(err)[:700]}")
                raise

        try:
            run()
        except Exception:
            pass
    assert ran > 100 and not failures, "\n\n".join(failures[:20])
