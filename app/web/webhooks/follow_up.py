"""What the SMS and voice webhooks share: the TwiML response.

Work a webhook's answer creates is enqueued by `app.web.session.commit_then_enqueue` after the
commit, so a Redis outage never fails a webhook: it only leaves outbox rows `pending` and cases
`needs_matching`, which the sweeper picks up.
"""

from __future__ import annotations

from flask import Response


def twiml_response(body: str) -> Response:
    return Response(body, status=200, mimetype="text/xml")
