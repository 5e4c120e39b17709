"""The console's duty page, header switch, safeguarding banner and case actions (test client)."""

from __future__ import annotations

from sqlalchemy import select

from app.models.base import utcnow
from app.models.case import SafeguardingAlert
from app.models.staff import DutyWindow, StaffUser
from app.services.cases.safeguarding import Source, raise_safeguarding
from tests.signin import csrf_from, post_form, sign_in_as


def _fresh(db_session, model, pk):
    db_session.expire_all()
    return db_session.get(model, pk)


def test_header_switch_flips_my_duty_and_is_hidden_without_a_phone(client, db_session) -> None:
    me = sign_in_as(client, db_session, "call_handler", phone="+447700900041")
    page = client.get("/queue").get_data(as_text=True)
    assert 'role="switch" aria-checked="false"' in page
    response = post_form(client, "/queue", "/duty/me", {"next": "/queue"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/queue")
    assert _fresh(db_session, StaffUser, me.id).on_duty
    assert 'aria-checked="true"' in client.get("/queue").get_data(as_text=True)


def test_no_switch_for_staff_without_a_phone(client, db_session) -> None:
    sign_in_as(client, db_session, "call_handler")
    assert 'role="switch"' not in client.get("/queue").get_data(as_text=True)


def test_duty_page_shows_who_is_on_duty_and_call_handlers_cannot_change_others(
        client, db_session, make_user) -> None:
    colleague = make_user("coordinator", name="Cora Coordinator", phone="+447700900042",
                          on_duty=True)
    sign_in_as(client, db_session, "call_handler")
    page = client.get("/duty").get_data(as_text=True)
    assert "On duty now" in page and "Cora Coordinator" in page
    token = csrf_from(page)
    refused = client.post(f"/duty/{colleague.id}/switch", data={"csrf_token": token, "on": "0"},
                          follow_redirects=True)
    assert "someone else" in refused.get_data(as_text=True)
    assert _fresh(db_session, StaffUser, colleague.id).on_duty
    assert client.post(f"/duty/{colleague.id}/phone",
                       data={"csrf_token": token, "phone": ""}).status_code == 403


def test_coordinator_sets_a_phone_and_a_rota(client, db_session, make_user) -> None:
    handler = make_user("call_handler", name="Hal Handler")
    sign_in_as(client, db_session, "coordinator")
    saved = post_form(client, "/duty", f"/duty/{handler.id}/phone", {"phone": "07700 900043"})
    assert saved.status_code == 302
    assert _fresh(db_session, StaffUser, handler.id).phone == "+447700900043"
    bad = post_form(client, "/duty", f"/duty/{handler.id}/rota",
                    {"weekday": "2", "starts": "17:00", "ends": "09:00"})
    assert "later than the start" in client.get(bad.headers["Location"]).get_data(as_text=True)
    post_form(client, "/duty", f"/duty/{handler.id}/rota",
              {"weekday": "2", "starts": "09:00", "ends": "13:00"})
    windows = db_session.scalars(select(DutyWindow).where(
        DutyWindow.staff_user_id == handler.id)).all()
    assert [(w.weekday, w.starts, w.ends) for w in windows] == [(2, "09:00", "13:00")]
    assert "Wednesday 09:00–13:00" in client.get("/duty").get_data(as_text=True)
    post_form(client, "/duty", f"/duty/rota/{windows[0].id}/remove", {})
    assert _fresh(db_session, DutyWindow, windows[0].id) is None


def test_banner_until_acknowledged_then_stand_down_by_a_coordinator(
        client, db_session, make_case) -> None:
    case = make_case(urgency="routine", status="new")
    raise_safeguarding(db_session, case, source=Source.API, now=utcnow())
    db_session.commit()
    sign_in_as(client, db_session, "call_handler")
    queue = client.get("/queue").get_data(as_text=True)
    assert 'id="safeguarding-banner"' in queue and case.reference in queue
    page = f"/cases/{case.reference}"
    assert client.post(f"{page}/safeguarding/stand-down", data={
        "standdown-csrf_token": csrf_from(client.get(page).get_data(as_text=True)),
        "standdown-reason": "no"}).status_code == 403
    token = csrf_from(client.get(page).get_data(as_text=True))
    done = client.post(f"{page}/safeguarding/acknowledge", data={"ack-csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "acknowledged" in done and 'id="safeguarding-banner"' not in done
    alert = db_session.scalar(select(SafeguardingAlert).where(SafeguardingAlert.case_id == case.id))
    db_session.refresh(alert)
    assert alert.acknowledged_at is not None


def test_staff_raise_from_the_case_page(client, db_session, make_case, make_user) -> None:
    coordinator = make_user("coordinator", phone="+447700900044", on_duty=True)
    case = make_case(urgency="routine", status="new", needs_matching=True)
    sign_in_as(client, db_session, "call_handler")
    page = f"/cases/{case.reference}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    done = client.post(f"{page}/safeguarding/raise", data={"raise-csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Safeguarding raised" in done and "Acknowledge" in done
    alert = db_session.scalar(select(SafeguardingAlert).where(SafeguardingAlert.case_id == case.id))
    assert alert.source == "staff" and alert.alerted == [f"staff:{coordinator.id}"]
