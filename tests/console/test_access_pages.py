"""Console access boundaries: a partner's referrals, the merge action, the admin's token list
and access log."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from app.models import Case, CaseEvent
from app.models.base import utcnow
from app.models.staff import AccessLogEntry
from app.services.staff import accounts
from tests.signin import csrf_from, login, post_form


class _NoQueue:
    def enqueue(self, *args, **kwargs) -> bool:
        return True


def _refer(client, phone: str, details: str):
    return post_form(client, "/cases/new", "/cases/new", {
        "category": "shielding", "need": "food", "urgency": "routine", "phone": phone,
        "details": details, "referrer_organisation": "Somebody Else Ltd",
        "consent_to_share": "y"})


def test_partner_referral_is_its_own_case_and_staff_merge_it(client, app, make_user, make_case,
                                                            db_session, monkeypatch):
    monkeypatch.setattr("app.web.session.job_queue_for", lambda runtime: _NoQueue())
    open_case = make_case(phone="+447700900123", details="Needs shopping")
    partner = make_user("partner", organisation="Age UK Example")
    login(client, partner.email)
    assert _refer(client, "07700 900123", "Referral words").status_code == 302
    referral = db_session.scalar(select(Case).where(Case.referred_by_user_id == partner.id))
    assert referral.id != open_case.id and referral.referrer_organisation == "Age UK Example"
    # The partner's own page shows it; another case answers as if it did not exist.
    mine = client.get("/referrals").get_data(as_text=True)
    assert referral.reference in mine and open_case.reference not in mine
    other, none = client.get(f"/cases/{open_case.reference}"), client.get("/cases/H2H-ZZZZ")
    assert other.status_code == none.status_code == 404
    assert other.get_data() == none.get_data()
    # A coordinator merges it from the referral's page (pre-filled with the open case).
    staff_client = app.test_client()
    login(staff_client, make_user("coordinator").email)
    page = staff_client.get(f"/cases/{referral.reference}").get_data(as_text=True)
    assert f'value="{open_case.reference}"' in page
    merged = post_form(staff_client, f"/cases/{referral.reference}",
                       f"/cases/{referral.reference}/merge", {"merge-into": open_case.reference})
    assert merged.status_code == 302
    db_session.expire_all()
    assert db_session.get(Case, referral.id).outcome == "merged"
    summaries = [e.summary for e in db_session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == open_case.id))]
    assert any("Referral words" in s for s in summaries)
    # The partner sees the outcome, and never the other case's reference.
    outcome = client.get(f"/cases/{referral.reference}").get_data(as_text=True)
    assert "Merged" in outcome and open_case.reference not in outcome


def test_admin_lists_and_revokes_tokens_and_reads_the_access_log(client, make_user, make_case,
                                                                  db_session):
    coordinator = make_user("coordinator")
    raw = accounts.create_api_token(db_session, coordinator.email, name="BI feed",
                                    scope="reports", now=utcnow())
    token = accounts.find_token(db_session, raw)
    case = make_case()
    admin = make_user("admin")
    login(client, admin.email)
    client.get(f"/cases/{case.reference}")
    page = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "BI feed" in page and token.prefix in page and "reports" in page
    revoked = client.post(f"/admin/api-tokens/{token.id}/revoke",
                          data={"csrf_token": csrf_from(page)})
    assert revoked.status_code == 302
    db_session.expire_all()
    assert accounts.authenticate(db_session, raw, utcnow()) is None
    log_page = client.get(f"/admin/access-log?case={case.reference}").get_data(as_text=True)
    assert "view case" in log_page and admin.email in log_page
    download = client.get(f"/admin/access-log.csv?staff={admin.email}")
    assert download.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    actions = {row[3] for row in rows[1:]}
    assert {"view_case", "api_token_revoke", "view_access_log"} <= actions
    assert all(row[1] == admin.email for row in rows[1:])
    assert db_session.scalar(select(AccessLogEntry).where(
        AccessLogEntry.action == "download_access_log")) is not None
