"""schemathesis over the whole OpenAPI document: no input may produce a server error (5xx).

Runs in-process (WSGI) against the rolled-back test database, with a staff token and with a
partner token, with a modest number of examples per operation so the run stays well under a
minute. Server errors (and non-JSON answers) are what this looks for; response shapes are
checked by the other tests. One test per API area, so a failure names the API module at fault.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

EXAMPLES_PER_OPERATION = 30


def _fuzz(client, caller, area: str) -> list[str]:
    spec = client.get("/api/v1/openapi.json").get_json()
    schema = schemathesis.from_dict(spec, app=client.application)
    failures: list[str] = []
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith(f"/api/v1/{area}")]
    if not operations:
        pytest.skip(f"no /api/v1/{area} operations in the document yet")
    for operation in operations:

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  derandomize=True, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case) -> None:
            response = case.call_wsgi(headers=caller.headers)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} query={case.query!r} body={case.body!r}"
                f" -> {response.status_code} {response.get_data(as_text=True)[:300]}")
            assert response.is_json, f"{case.method} {case.formatted_path}: not JSON"

        try:
            run()
        except AssertionError as exc:
            failures.append(f"{operation.verbose_name}: {exc}")
    return failures


@pytest.mark.parametrize("area", ["cases", "messages", "volunteers", "reports"])
@pytest.mark.parametrize("role", ["call_handler", "partner"])
def test_no_server_error_anywhere(client, make_caller, job_queue_recorder, role, area):
    caller = make_caller(role, organisation="Fuzz Ltd")
    assert _fuzz(client, caller, area) == []
