"""Voicemail recordings: streamed from Twilio's API host with the account's credentials, to
staff only, each listen logged; a URL anywhere else is never fetched."""

from __future__ import annotations

import base64
import dataclasses
import http.server
import threading

import pytest
from sqlalchemy import select

from app import create_app
from app.models.message import Call
from app.models.staff import AccessLogEntry
from app.runtime import Runtime
from tests.signin import login

AUDIO = b"ID3" + bytes(range(256)) * 40


@pytest.fixture
def twilio_media(runtime):
    """A stand-in for Twilio's media host that insists on the account's basic auth."""
    seen: list[tuple[str, str | None]] = []
    settings = runtime.settings
    expected = "Basic " + base64.b64encode(
        f"{settings.twilio_account_sid}:{settings.twilio_auth_token}".encode()).decode()

    class Media(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # the http.server name
            seen.append((self.path, self.headers.get("Authorization")))
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.send_header("Content-Length", str(len(AUDIO)))
            self.end_headers()
            self.wfile.write(AUDIO)

        def log_message(self, *args):
            return None

    server = http.server.HTTPServer(("127.0.0.1", 0), Media)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    app = create_app(runtime=Runtime(
        settings=dataclasses.replace(settings, twilio_api_base_url=base), engine=runtime.engine,
        session_factory=runtime.session_factory))
    yield app, base, seen
    server.shutdown()
    server.server_close()


def test_staff_listen_through_the_console_and_it_is_logged(twilio_media, make_user, make_case,
                                                           db_session):
    app, base, seen = twilio_media
    case = make_case()
    account = "AC" + "1" * 32
    call = Call(call_sid="CA" + "2" * 32, case_id=case.id,
                recording_url=f"{base}/2010-04-01/Accounts/{account}/Recordings/RE{'3' * 32}")
    elsewhere = Call(call_sid="CA" + "4" * 32, case_id=case.id,
                     recording_url="http://169.254.169.254/latest/Recordings/x")
    db_session.add_all([call, elsewhere])
    db_session.commit()
    staff = app.test_client()
    user = make_user("call_handler")
    login(staff, user.email)
    page = staff.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert f'src="/calls/{call.id}/recording"' in page and base not in page
    heard = staff.get(f"/calls/{call.id}/recording")
    assert heard.status_code == 200 and heard.data == AUDIO
    assert heard.mimetype == "audio/mpeg" and heard.headers["Cache-Control"] == "no-store"
    assert seen[0][0].endswith(f"/Recordings/RE{'3' * 32}.mp3")
    [row] = db_session.scalars(select(AccessLogEntry).where(
        AccessLogEntry.action == "listen_recording")).all()
    assert row.user_id == user.id and row.case_id == case.id
    assert staff.get(f"/calls/{elsewhere.id}/recording").status_code == 404
    assert len(seen) == 1  # the URL on another host was never fetched
    partner = app.test_client()
    login(partner, make_user("partner").email)
    assert partner.get(f"/calls/{call.id}/recording").status_code == 403
