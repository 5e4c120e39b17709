"""Does a request to Twilio's Messages API follow Twilio's own OpenAPI description?

Used by the fake Twilio server (tests/plugins/fake_twilio.py) on every request it receives, and
on every answer it gives (so the fake cannot drift from the real API either). openapi-core
checks what the description encodes; this module adds what it does not (see
tests/fixtures/twilio-oai/SOURCE.md): Body/MediaUrl/ContentSid, From/MessagingServiceSid, To in
E.164, the 1,600-character limit, and HTTP basic auth with the account's SID and token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as WerkzeugResponse

SPEC_PATH = (
    Path(__file__).resolve().parent.parent
    / "fixtures"
    / "twilio-oai"
    / "twilio_api_v2010_messages.json"
)
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class TwilioApiContract:
    def __init__(self, server_url: str, account_sid: str, auth_token: str) -> None:
        spec = json.loads(SPEC_PATH.read_text())
        spec["servers"] = [{"url": server_url}]
        for path_item in spec["paths"].values():  # Twilio repeats its host on each path
            path_item["servers"] = [{"url": server_url}]
        self._openapi = OpenAPI.from_dict(spec)
        self._credentials = (account_sid, auth_token)

    def check_request(
        self, request: Request, *, auth: tuple[str, str] | None, form: Mapping[str, str]
    ) -> list[str]:
        """Every way `request` breaks the API description (an empty list when it does not)."""
        problems = []
        try:
            self._openapi.validate_request(WerkzeugOpenAPIRequest(request))
        except Exception as exc:  # openapi-core raises a family of validation errors
            problems.append(f"OpenAPI: {explain(exc)}")
        if auth != self._credentials:
            problems.append("HTTP basic auth missing or not this account's SID and token")
        if request.method == "POST":
            if not (form.get("Body") or form.get("MediaUrl") or form.get("ContentSid")):
                problems.append("Body, MediaUrl or ContentSid is required")
            if not (form.get("From") or form.get("MessagingServiceSid")):
                problems.append("From or MessagingServiceSid is required")
            if not E164.match(form.get("To") or ""):
                problems.append("To must be E.164")
            if len(form.get("Body") or "") > 1600:
                problems.append("Body longer than 1600 characters (21617)")
        return problems

    def check_response(self, request: Request, status: int, payload: Any) -> str | None:
        """Why the fake's own answer breaks the description, or None."""
        if status >= 400:
            return None  # the description has no schema for error bodies
        response = WerkzeugResponse(
            json.dumps(payload), status=status, content_type="application/json"
        )
        try:
            self._openapi.validate_response(
                WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response)
            )
        except Exception as exc:
            return f"fake's own response: {explain(exc)}"
        return None


def explain(exc: BaseException) -> str:
    """openapi-core's message plus the JSON-schema errors behind it (short, for the report)."""
    details, name, cause = [], type(exc).__name__, exc
    while cause is not None:
        details.extend(str(e.message)[:160] for e in getattr(cause, "schema_errors", ()) or ())
        cause = cause.__cause__
    return f"{name}: {'; '.join(details) or exc}"[:600]
