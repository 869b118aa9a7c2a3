"""Property-based requests from the OpenAPI document (schemathesis): no 5xx, and every
answer conforms to the document (status codes, content types, bodies)."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from postlens.runtime.cache import ModelCache
from postlens.service.app import create_app
from tests.service.conftest import serving_core

pytestmark = pytest.mark.slow
CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance,
          content_type_conformance, response_schema_conformance]


@pytest.mark.parametrize(("examples", "signed_in"), [(25, True), (8, False)])
def test_the_api_keeps_its_promises(client_home: Path, models: ModelCache,
                                    keys: dict[str, str], examples: int,
                                    signed_in: bool) -> None:
    core = serving_core(models, home=client_home, uploads_per_minute=1000,
                        writes_per_minute=100_000)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(core))
    headers = {"X-API-Key": keys["demo:ada"]} if signed_in else {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        if operation.method.upper() == "DELETE" and signed_in:
            continue  # deleting the account would turn every later example into a 401

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
    core.close()
