"""`here2help simulate` against the real service (webhooks, flow, database) over real HTTP.

The server is the Flask app served by werkzeug in a thread, on a fresh committed database
migrated to head (the rolled-back `db_session` cannot be shared with another thread).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app
from app.models.case import Case
from app.models.message import Call, Message
from tests.simulate.helpers import invoke


@pytest.fixture
def service(committed_runtime, serve) -> str:
    return serve(create_app(runtime=committed_runtime))


def test_simulate_sms_prints_the_welcome_menu(service, committed_env, committed_runtime):
    code, out, err = invoke(["simulate", "sms", "--from", "07700 900123", "--url", service,
                             "hello"], committed_env)
    assert code == 0, err
    assert "Here2Help" in out and "999" in out
    with committed_runtime.session_factory() as session:
        [message] = session.scalars(select(Message).where(Message.direction == "inbound"))
        assert message.from_phone == "+447700900123" and message.body == "hello"


SCRIPT = "1\n1\n1\nI need bread and milk\nW R one two N N\n1\nMary Smith\n1\n"


def test_simulate_call_walks_the_ivr_to_a_case(service, committed_env, committed_runtime):
    code, out, err = invoke(["simulate", "call", "--from", "07700900123", "--url", service],
                            committed_env, SCRIPT)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("🔊 Welcome to Here2Help") and "999" in lines[0]
    assert "☎ keys or words> I need bread and milk" in lines  # typed words sent as speech
    assert any(line.startswith("🔊 I heard W R 1, 2 N N.") for line in lines)
    [spoken] = {line for line in lines if "Your reference is" in line}
    assert lines[-1] == "📞 CALL ENDED"
    with committed_runtime.session_factory() as session:
        [case] = session.scalars(select(Case))
        assert (case.category, case.need, case.postcode) == ("shielding", "food", "WR1 2NN")
        assert case.phone == "+447700900123" and case.channel == "voice"
        assert "bread and milk" in (case.details or "")
        # The reference is read out character by character, whatever the separators.
        said = "".join(ch for ch in spoken.split("reference is", 1)[1] if ch.isalnum())
        assert said.startswith(case.reference.replace("-", ""))
        [call] = session.scalars(select(Call))
        assert call.status == "completed"  # the final status callback was posted and signed


def test_simulate_call_plain_and_hang_up_early(service, committed_env):
    code, out, err = invoke(["simulate", "call", "--from", "07700900123", "--url", service,
                             "--plain"], committed_env, "")
    assert code == 0, err
    assert out.splitlines()[0].startswith("SAYS: Welcome to Here2Help")
    assert out.splitlines()[-1] == "📞 CALL ENDED"
