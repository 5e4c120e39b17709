"""/calls/<id>/recording: a voicemail, streamed from Twilio through the console.

Staff never get Twilio's URL: the page plays this route, which checks the role (the matrix),
writes an access-log row for the case, and fetches from Twilio with the account's credentials.
"""

from __future__ import annotations

from flask import Response, abort, stream_with_context

from app.adapters.twilio.recordings import (
    RecordingUnavailable,
    open_recording,
    trusted_recording_url,
)
from app.models.message import Call
from app.web.console.access import log_access
from app.web.console.blueprint import bp
from app.web.session import db_session, runtime


@bp.get("/calls/<int:call_id>/recording")
def recording(call_id: int) -> Response:
    session = db_session()
    call = session.get(Call, call_id) if call_id < 2**31 else None
    settings = runtime().settings
    url = trusted_recording_url(settings, call.recording_url) if call is not None else None
    if call is None or url is None:
        abort(404)
    log_access("listen_recording", case_id=call.case_id, target=f"call:{call.id}")
    session.commit()
    try:
        stream = open_recording(settings, url)
    except RecordingUnavailable:
        abort(502)
    return Response(stream_with_context(stream.chunks), mimetype=stream.content_type,
                    headers={"Cache-Control": "no-store"})
