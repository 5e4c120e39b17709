"""`here2help simulate` against a small fake service: signing, SMS replies, following TwiML."""

from __future__ import annotations

import re

import pytest
from twilio.request_validator import RequestValidator

from app.simulator.transport import twilio_signature
from tests.conftest import HELPLINE_NUMBER, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from tests.plugins.redis_server import free_port
from tests.simulate.fake_service import fake_service
from tests.simulate.helpers import invoke


def test_signature_matches_twilios_validator():
    params = {"CallSid": "CA1234567890ABCDE", "Digits": "1234", "From": "+14158675309",
              "To": "+18005551212", "Caller": "+14158675309", "Body": "café 🙂"}
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    expected = RequestValidator("12345").compute_signature(url, params)
    assert twilio_signature("12345", url, params) == expected
    known = {k: v for k, v in params.items() if k != "Body"}
    assert twilio_signature("12345", url, known) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_sms_prints_every_message_body_unescaped(serve, cli_env):
    app = fake_service(TEST_AUTH_TOKEN)
    url = serve(app)
    code, out, err = invoke(["simulate", "sms", "--from", "07700 900123", "--url", url,
                              "I", "need", "food"], cli_env, None)
    assert code == 0, err
    assert out == "You said: I need food <ok> & thanks\n---\nSecond message\n"
    [(path, form)] = app.config["posts"]
    assert path == "/twilio/sms"
    assert form["From"] == "+447700900123" and form["To"] == HELPLINE_NUMBER
    assert re.fullmatch(r"SM[0-9a-f]{32}", form["MessageSid"])
    assert form["SmsSid"] == form["MessageSid"] and form["AccountSid"] == TEST_ACCOUNT_SID
    assert form["NumSegments"] == "1" and form["ApiVersion"] == "2010-04-01"


def test_call_follows_gather_speech_record_and_posts_completed(serve, cli_env):
    app = fake_service(TEST_AUTH_TOKEN)
    url = serve(app)
    code, out, err = invoke(["simulate", "call", "--from", "07700900123", "--url", url],
                             cli_env, "I need food\nplease ring me back\n")
    assert code == 0, err
    assert "🔊 Welcome to Here2Help. If it is an emergency, ring 9 9 9." in out
    assert "🔊 Press 1 for food, or say what you need." in out
    assert "🔊 You chose I need food." in out
    assert "🎙 RECORDING" in out
    assert "🔊 Thank you for your message." in out
    assert out.rstrip().endswith("📞 CALL ENDED")
    posts = app.config["posts"]
    assert [p for p, _ in posts] == ["/twilio/voice", "/twilio/voice/menu",
                                      "/twilio/voice/recorded", "/twilio/status"]
    assert len({f["CallSid"] for _, f in posts}) == 1
    assert posts[0][1]["CallStatus"] == "ringing"
    assert posts[1][1]["SpeechResult"] == "I need food" and posts[1][1]["Confidence"] == "0.9"
    assert posts[2][1]["RecordingUrl"].startswith("https://api.twilio.com/")
    assert posts[2][1]["RecordingDuration"] == "4"
    assert posts[3][1]["CallStatus"] == "completed"


def test_silence_falls_through_and_keys_are_digits_and_dial_is_shown(serve, cli_env):
    app = fake_service(TEST_AUTH_TOKEN)
    url = serve(app)
    # silence at the first menu -> fall through, Redirect; keys-only menu: "0" -> Dial, no answer.
    code, out, err = invoke(["simulate", "call", "--from", "07700900123", "--url", url,
                              "--plain"], cli_env, "\n0\nn\n")
    assert code == 0, err
    assert "SAYS: We did not hear anything." in out
    assert "📞 CONNECTING YOU TO +441632960111" in out
    assert "SAYS: Dial status no-answer." in out
    paths = [p for p, _ in app.config["posts"]]
    assert paths == ["/twilio/voice", "/twilio/voice/again", "/twilio/voice/menu",
                     "/twilio/voice/after-dial", "/twilio/status"]
    assert app.config["posts"][2][1]["Digits"] == "0"


def test_end_of_input_hangs_up(serve, cli_env):
    app = fake_service(TEST_AUTH_TOKEN)
    url = serve(app)
    code, out, _err = invoke(["simulate", "call", "--from", "07700900123", "--url", url],
                              cli_env, "")
    assert code == 0
    assert [p for p, _ in app.config["posts"]] == ["/twilio/voice", "/twilio/status"]


def test_public_base_url_is_what_gets_signed(serve, cli_env):
    public = "https://h2h.example/line"
    app = fake_service(TEST_AUTH_TOKEN, public_base_url=public)
    url = serve(app)
    env = {**cli_env, "PUBLIC_BASE_URL": public}
    code, out, err = invoke(["simulate", "sms", "--from", "07700900123", "--url", url, "hi"],
                             env, None)
    assert code == 0, err
    assert out.startswith("You said: hi")


def test_nothing_listening_is_one_line_and_exit_1(cli_env):
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = invoke(["simulate", "sms", "--from", "07700900123", "--url", url, "hi"],
                             cli_env, None)
    assert code == 1
    assert err == f"error: no service at {url}: start it with `here2help serve`\n"
    code, _out, err = invoke(["simulate", "call", "--from", "07700900123", "--url", url],
                              cli_env, "")
    assert code == 1 and "no service at" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("token, expected", [("wrong-token", "HTTP 403"), (None, "HTTP 500")])
def test_non_200_is_one_line_with_the_status(serve, cli_env, token, expected):
    app = fake_service(TEST_AUTH_TOKEN)
    if token is None:
        app.view_functions["sms"] = app.view_functions["broken"]
    url = serve(app)
    env = {**cli_env, "TWILIO_AUTH_TOKEN": token or TEST_AUTH_TOKEN}
    code, _out, err = invoke(["simulate", "sms", "--from", "07700900123", "--url", url, "x"],
                              env, None)
    assert code == 1
    assert expected in err and len(err.splitlines()) == 1


def test_bad_number_is_a_user_error(cli_env):
    code, _out, err = invoke(["simulate", "sms", "--from", "not a number", "hi"], cli_env, None)
    assert code == 1 and "--from" in err


@pytest.mark.parametrize(
    "typed, attrs, digits, finished",
    [("123#", {}, "123", "#"), ("12", {"numDigits": "1"}, "1", ""), ("*", {}, "*", ""),
     ("#", {}, "#", "#"), ("45*9", {"finishOnKey": "*"}, "45", "*")],
)
def test_key_presses_are_collected_like_twilio(typed, attrs, digits, finished):
    from xml.etree import ElementTree

    from app.simulator.session import _digits

    verb = ElementTree.Element("Gather", attrs)
    assert _digits(typed, verb) == {"Digits": digits, "FinishedOnKey": finished}
