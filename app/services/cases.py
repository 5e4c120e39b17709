"""Creating and changing cases. (Helper "api" owns this file.)

Interface:

    @dataclass class CaseDraft: channel, category, need, details, phone, name, address, postcode,
        urgency, language, consent_to_share, referrer_organisation, referred_by_user_id
    create_case(session, draft: CaseDraft, *, now: datetime, settings) -> CaseResult
    find_open_case_for_phone(session, phone_e164) -> Case | None
    add_case_event(session, case, kind, summary, **data) -> CaseEvent
"""
