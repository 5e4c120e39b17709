"""/api/v1/cases: list, read and create cases. Thin: parse (schemas) -> one service call -> dump.

Who sees what (see auth.py): staff read every case; a partner lists and reads only the cases it
referred (another case answers 404, as if it did not exist) and sees no timeline or SMS. A
partner's referral never joins an open case (staff merge it), so posting someone's number
reveals nothing about them; its organisation is the partner account's, not what was sent.
Every read writes an access-log row naming the cases returned.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint, abort

from app.domain.enums import Channel
from app.domain.references import parse_reference
from app.models.base import utcnow
from app.models.case import Case
from app.models.staff import StaffUser
from app.repositories.cases import (
    BadCursor,
    CaseFilters,
    get_case_by_reference,
    list_case_events,
    list_case_messages,
    list_cases,
)
from app.services.cases.consent import ConsentWording
from app.services.cases.intake import CaseDraft, create_case
from app.services.cases.safeguarding import Source
from app.services.casework.timeline_view import build_timeline, conversation_message_ids
from app.services.staff.accounts import record_access
from app.web.api.auth import api_user, client_ip, is_staff
from app.web.api.schemas import (
    CaseCreateSchema,
    CaseDetailSchema,
    CaseListArgs,
    CasePageSchema,
    CaseSchema,
)
from app.web.session import commit_then_enqueue, db_session, runtime

blp = Blueprint("api_cases", __name__, url_prefix="/api/v1",
                description="Requests for help: list, read, refer.")


@blp.route("/cases", methods=["GET"])
@blp.arguments(CaseListArgs, location="query", as_kwargs=True)
@blp.response(200, CasePageSchema)
@blp.alt_response(401, response="Unauthorized")
@blp.alt_response(403, response="DEFAULT_ERROR",
                  description="The role or the token's scope does not allow this")
def list_cases_view(cursor: str | None = None, limit: int = 25, **filters: Any) -> dict[str, Any]:
    """Cases, newest first, filtered by status, category, need, urgency or district.

    Pass the `next` value of a page as `cursor` to get the following page (`null`: the end).
    """
    user = api_user()
    scope = None if is_staff(user) else user.id
    try:
        page = list_cases(db_session(), CaseFilters(referred_by_user_id=scope, **filters),
                          cursor, limit)
    except BadCursor as exc:
        abort(422, errors={"query": {"cursor": [str(exc)]}})
    items = list(page.items)
    record_access(db_session(), user_id=user.id, action="api_list_cases",
                  target=f"{len(items)} cases", ip_address=client_ip(),
                  detail={"case_ids": [case.id for case in items]})
    return {"items": items, "next": page.next_cursor}


@blp.route("/cases/<reference>", methods=["GET"])
@blp.response(200, CaseDetailSchema)
@blp.alt_response(401, response="Unauthorized")
@blp.alt_response(403, response="DEFAULT_ERROR",
                  description="The role or the token's scope does not allow this")
@blp.alt_response(404, response="DEFAULT_ERROR")
def get_case_view(reference: str) -> CaseView:
    """One case with its timeline (`events`), its SMS (`messages`) and the whole conversation
    in time order (`conversation`)."""
    user = api_user()
    session = db_session()
    parsed = parse_reference(reference)
    case = get_case_by_reference(session, parsed) if parsed else None
    if case is None or not (is_staff(user) or case.referred_by_user_id == user.id):
        abort(404, message="No case with that reference.")
    staff = is_staff(user)
    # Staff read the case's number in full here (`phone`), so texts are not masked either.
    view = CaseView(case, events=list_case_events(session, case.id) if staff else [],
                    messages=list_case_messages(session, case.id, also=conversation_message_ids(
                        session, case)) if staff else [],
                    conversation=build_timeline(session, case, reveal_phone=True)
                    if staff else [])
    record_access(session, user_id=user.id, action="api_view_case", case_id=case.id,
                  target=case.reference, ip_address=client_ip())
    return view


@blp.route("/cases", methods=["POST"])
@blp.arguments(CaseCreateSchema)
@blp.response(201, CaseSchema)
@blp.alt_response(200, schema=CaseSchema,
                  description="The resident already had an open case: this was added to it.")
@blp.alt_response(401, response="Unauthorized")
@blp.alt_response(403, response="DEFAULT_ERROR",
                  description="The role or the token's scope does not allow this")
def create_case_view(data: dict[str, Any]) -> tuple[CaseView, int, dict[str, str]]:
    """Refer a case (partners: channel `web`) or enter one (staff: channel `staff`).

    Staff: a phone number with an open case adds this request to that case (200) instead of
    opening a duplicate (201). A partner's referral is always its own case (201); staff merge it
    into the resident's open case. Safeguarding words in `details`, or `urgency`
    `safeguarding`, put the case before staff (`status` `needs_staff`) and alert the duty
    coordinator.
    """
    user = api_user()
    draft = _draft(data, user)
    session = db_session()
    result = create_case(session, draft, settings=runtime().settings, now=utcnow())
    commit_then_enqueue(session, result.message_ids, [result.case])
    case = result.case
    record_access(session, user_id=user.id, action="api_create_case", case_id=case.id,
                  target=case.reference, ip_address=client_ip())
    status = 200 if result.joined else 201
    return CaseView(case), status, {"Location": f"/api/v1/cases/{case.reference}"}


#: What a referring system declares with `consent_to_share` (recorded as the wording agreed).
API_CONSENT_KEY = "api:v1:consent_to_share"
API_CONSENT_WORDING = ("The resident agrees that Here2Help shares their first name, phone "
                       "number and address with the volunteer who takes the request.")


def _draft(data: dict[str, Any], user: StaffUser) -> CaseDraft:
    staff = is_staff(user)
    channel = data.pop("channel", None) or (Channel.STAFF if staff else Channel.WEB)
    if not staff and channel != Channel.WEB:
        abort(422, errors={"json": {"channel": ["Partners refer cases with channel 'web'."]}})
    sent_organisation = data.pop("referrer_organisation", None)
    # A partner's organisation is the one on its account: a request cannot claim another's.
    organisation = sent_organisation if staff else user.organisation
    return CaseDraft(channel=channel, referred_by_user_id=user.id,
                     referrer_organisation=organisation, never_join=not staff,
                     staff_user_id=user.id if staff else None,
                     safeguarding_source=Source.API,
                     consent_wording=ConsentWording(API_CONSENT_KEY, API_CONSENT_WORDING),
                     **data)


class CaseView:
    """A case as the response schema reads it, with extra (`events`) or hidden fields."""

    def __init__(self, case: Case, **overrides: Any) -> None:
        self._case = case
        self._overrides = overrides

    def __getattr__(self, name: str) -> Any:
        if name in self._overrides:
            return self._overrides[name]
        return getattr(self._case, name)
