"""The role matrix: every registered route, the capability it needs, and which roles have it.

One table for the console and the API, so the two can never disagree about who may do what.
`gate.enforce_access` looks every request's endpoint up here before the view runs; a route
that is not in the table is refused to everyone (and the route x role test fails), so a new
page cannot be shipped open by forgetting to protect it. The README's "Security" section is
rendered from this table (`render_markdown`).

Row-level rules (a partner reads only the cases it referred, and anything else answers 404)
live in the views; this table says only whether a role may call the route at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

CALL_HANDLER, COORDINATOR, ADMIN, PARTNER = "call_handler", "coordinator", "admin", "partner"
ROLES = (CALL_HANDLER, COORDINATOR, ADMIN, PARTNER)
STAFF = frozenset({CALL_HANDLER, COORDINATOR, ADMIN})
EVERYONE_SIGNED_IN = frozenset(ROLES)


class Auth(StrEnum):
    """How the caller of a route is identified."""

    PUBLIC = "public"  # no sign-in (Twilio's webhooks check Twilio's signature instead)
    SESSION = "session"  # the console's signed-in session cookie
    TOKEN = "token"  # an API bearer token  # noqa: S105 (a label, not a secret)


class Scope(StrEnum):
    """What an API token may be used for; each scope includes the ones before it."""

    REPORTS = "reports"  # aggregate reports only: no personal data
    READ = "read"  # reports, and reading cases, volunteers and messages
    WRITE = "write"  # all of that, and creating or changing records


SCOPE_ORDER = (Scope.REPORTS, Scope.READ, Scope.WRITE)


def scope_allows(granted: str, needed: Scope | None) -> bool:
    """True when a token with scope `granted` may call a route needing `needed`."""
    if needed is None:
        return True
    if granted not in SCOPE_ORDER:
        return False
    return SCOPE_ORDER.index(Scope(granted)) >= SCOPE_ORDER.index(needed)


@dataclass(frozen=True)
class Capability:
    name: str
    description: str
    roles: frozenset[str]


PUBLIC = Capability("public", "Sign in, the public volunteer sign-up and community grants "
                    "form, health, static files, "
                    "recorded voice prompts, Twilio webhooks (Twilio-signed)", frozenset())
WORK_CASES = Capability("work cases", "The queue, every case action (staff's full case page), "
                        "merging a partner's referral, the SMS log, voicemail recordings", STAFF)
VIEW_CASE = Capability("view a case", "Open a case (a partner: only cases it referred; any other "
                       "reference answers 404)", EVERYONE_SIGNED_IN)
REFER = Capability("refer a case", "Enter or refer a request for help (a partner's referral "
                   "never joins another case)", EVERYONE_SIGNED_IN)
SEARCH = Capability("search", "Find cases by reference, phone number or name from every page "
                    "(a partner: only cases it referred; volunteers too for coordinators and "
                    "admins)", EVERYONE_SIGNED_IN)
MY_REFERRALS = Capability("my referrals", "A partner's own referrals and their outcomes",
                          frozenset({PARTNER}))
READ_DIRECTORY = Capability("read the directory", "Search the directory, its PDF",
                            EVERYONE_SIGNED_IN)
EDIT_DIRECTORY = Capability("edit the directory", "Add, edit, review and export directory entries",
                            frozenset({COORDINATOR, ADMIN}))
MANAGE_VOLUNTEERS = Capability("manage volunteers", "Read the volunteer register; register, "
                               "approve, pause, DBS details, phone changes, hours and "
                               "absences, show a volunteer's number (logged)",
                               frozenset({COORDINATOR, ADMIN}))
REPORTS = Capability("reports", "Aggregate reports, CSV and the briefing PDF",
                     frozenset({COORDINATOR, ADMIN}))
DUTY = Capability("duty", "Who is on duty now; switch your own duty, your rota; the "
                  "safeguarding alert banner (switching others' duty or rota: coordinators "
                  "and admins, checked by the duty rules)", STAFF)
LEAD_SAFEGUARDING = Capability("lead safeguarding", "Stand a safeguarding alert down (with a "
                               "reason); set staff members' phones",
                               frozenset({COORDINATOR, ADMIN}))
READ_GRANTS = Capability("read grants", "Funding pots, grant applications and their checks, "
                         "decisions and payments (read only)", STAFF)
MANAGE_GRANTS = Capability("manage grants", "Open and change funding pots; record due-diligence "
                           "checks, decisions and payments; add a funded group to the directory",
                           frozenset({COORDINATOR, ADMIN}))
DATA_PROTECTION = Capability("data protection", "Subject access exports and erasure of a person "
                             "by phone number", frozenset({COORDINATOR, ADMIN}))
OWN_SIGN_IN = Capability("own sign-in", "Set up your own authenticator app (MFA) and see your "
                         "recovery codes once", EVERYONE_SIGNED_IN)
ADMINISTER = Capability("administer", "Staff accounts (reset a lost authenticator app, disable), "
                        "API tokens of every account, the access log and its CSV",
                        frozenset({ADMIN}))

CAPABILITIES = (PUBLIC, WORK_CASES, VIEW_CASE, SEARCH, REFER, MY_REFERRALS, READ_DIRECTORY,
                EDIT_DIRECTORY, MANAGE_VOLUNTEERS, DUTY, LEAD_SAFEGUARDING, READ_GRANTS,
                MANAGE_GRANTS, REPORTS, DATA_PROTECTION, OWN_SIGN_IN, ADMINISTER)


@dataclass(frozen=True)
class Rule:
    capability: Capability
    auth: Auth
    scope: Scope | None = None  # API routes: the least token scope that may call it

    def allows(self, role: str | None) -> bool:
        return self.capability is PUBLIC or role in self.capability.roles


def _session(capability: Capability) -> Rule:
    return Rule(capability, Auth.SESSION)


def _token(capability: Capability, scope: Scope) -> Rule:
    return Rule(capability, Auth.TOKEN, scope)


_PUBLIC = Rule(PUBLIC, Auth.PUBLIC)

#: Endpoint name -> rule. Every route the app registers must appear here.
MATRIX: dict[str, Rule] = {
    # Public: no account needed.
    "static": _PUBLIC,
    "health.healthz": _PUBLIC,
    "prompts.voice_prompt": _PUBLIC,  # recorded voice prompts: Twilio's <Play> fetches them
    "api-docs.openapi_json": _PUBLIC,
    "console.index": _PUBLIC,
    "console.login": _PUBLIC,
    "console.logout": _PUBLIC,
    "console.login_code": _PUBLIC,  # only after a right password (the pending sign-in)
    "console.volunteer_signup": _PUBLIC,
    "console.volunteer_signup_done": _PUBLIC,
    "console.community_grants": _PUBLIC,
    "console.community_grants_done": _PUBLIC,
    "twilio.fallback": _PUBLIC,
    "twilio.inbound_sms": _PUBLIC,
    "twilio.status_callback": _PUBLIC,
    "twilio.voice_dial_done": _PUBLIC,
    "twilio.voice_recording": _PUBLIC,
    "twilio.voice_recording_status": _PUBLIC,
    "twilio.voice_start": _PUBLIC,
    "twilio.voice_step": _PUBLIC,
    "twilio.voice_transcription": _PUBLIC,
    # Console: cases.
    "console.queue": _session(WORK_CASES),
    "console.queue_partial": _session(WORK_CASES),
    "console.case_page": _session(VIEW_CASE),
    "console.new_case": _session(REFER),
    "console.my_referrals": _session(MY_REFERRALS),
    "console.search_page": _session(SEARCH),
    "console.reveal_phone": _session(WORK_CASES),
    "console.edit_case": _session(WORK_CASES),
    "console.assign": _session(WORK_CASES),
    "console.signpost": _session(WORK_CASES),
    "console.callback": _session(WORK_CASES),
    "console.recode": _session(WORK_CASES),
    "console.note": _session(WORK_CASES),
    "console.close": _session(WORK_CASES),
    "console.reopen": _session(WORK_CASES),
    "console.merge_case": _session(WORK_CASES),
    "console.recording": _session(WORK_CASES),
    "console.raise_safeguarding": _session(WORK_CASES),
    "console.acknowledge_safeguarding": _session(WORK_CASES),
    "console.safeguarding_contact": _session(WORK_CASES),
    "console.record_consent": _session(WORK_CASES),
    "console.repeat_request": _session(WORK_CASES),
    "console.stop_repeating": _session(WORK_CASES),
    "console.stand_down_safeguarding": _session(LEAD_SAFEGUARDING),
    # Console: duty.
    "console.duty_page": _session(DUTY),
    "console.duty_switch_me": _session(DUTY),
    "console.duty_switch": _session(DUTY),
    "console.duty_rota_add": _session(DUTY),
    "console.duty_rota_remove": _session(DUTY),
    "console.duty_phone": _session(LEAD_SAFEGUARDING),
    # Console: directory.
    "console.directory": _session(READ_DIRECTORY),
    "console.directory_pdf": _session(READ_DIRECTORY),
    "console.directory_new": _session(EDIT_DIRECTORY),
    "console.directory_edit": _session(EDIT_DIRECTORY),
    "console.directory_reviewed": _session(EDIT_DIRECTORY),
    "console.directory_export": _session(EDIT_DIRECTORY),
    # Console: volunteers.
    "console.volunteers": _session(MANAGE_VOLUNTEERS),
    "console.edit_volunteer": _session(MANAGE_VOLUNTEERS),
    "console.volunteer": _session(MANAGE_VOLUNTEERS),
    "console.approve": _session(MANAGE_VOLUNTEERS),
    "console.reject": _session(MANAGE_VOLUNTEERS),
    "console.pause": _session(MANAGE_VOLUNTEERS),
    "console.resume": _session(MANAGE_VOLUNTEERS),
    "console.dbs": _session(MANAGE_VOLUNTEERS),
    "console.reveal_volunteer_phone": _session(MANAGE_VOLUNTEERS),
    "console.add_volunteer_absence": _session(MANAGE_VOLUNTEERS),
    "console.remove_volunteer_absence": _session(MANAGE_VOLUNTEERS),
    # Console: community grants.
    "console.grants": _session(READ_GRANTS),
    "console.grants_application": _session(READ_GRANTS),
    "console.grants_new_pot": _session(MANAGE_GRANTS),
    "console.grants_edit_pot": _session(MANAGE_GRANTS),
    "console.grants_check": _session(MANAGE_GRANTS),
    "console.grants_decision": _session(MANAGE_GRANTS),
    "console.grants_payment": _session(MANAGE_GRANTS),
    "console.grants_to_directory": _session(MANAGE_GRANTS),
    # Console: reports and administration.
    "console.reports": _session(REPORTS),
    "console.report_csv": _session(REPORTS),
    "console.briefing_pdf": _session(REPORTS),
    "console.privacy": _session(DATA_PROTECTION),
    "console.privacy_export": _session(DATA_PROTECTION),
    "console.privacy_erase": _session(DATA_PROTECTION),
    "console.mfa_enrol": _session(OWN_SIGN_IN),
    "console.staff_accounts": _session(ADMINISTER),
    "console.staff_mfa_reset": _session(ADMINISTER),
    "console.staff_set_active": _session(ADMINISTER),
    "console.api_tokens": _session(ADMINISTER),
    "console.revoke_api_token": _session(ADMINISTER),
    "console.access_log": _session(ADMINISTER),
    "console.access_log_csv": _session(ADMINISTER),
    # JSON API.
    "api_cases.list_cases_view": _token(VIEW_CASE, Scope.READ),
    "api_cases.get_case_view": _token(VIEW_CASE, Scope.READ),
    "api_cases.create_case_view": _token(REFER, Scope.WRITE),
    "api_messages.list_messages_view": _token(WORK_CASES, Scope.READ),
    "api_volunteers.list_view": _token(MANAGE_VOLUNTEERS, Scope.READ),
    "api_volunteers.get_view": _token(MANAGE_VOLUNTEERS, Scope.READ),
    "api_volunteers.create_view": _token(MANAGE_VOLUNTEERS, Scope.WRITE),
    "api_volunteers.update_view": _token(MANAGE_VOLUNTEERS, Scope.WRITE),
    "api_reports.requests_by_category": _token(REPORTS, Scope.REPORTS),
    "api_reports.neighbourhood_demand_report": _token(REPORTS, Scope.REPORTS),
}


def rule_for(endpoint: str | None) -> Rule | None:
    return MATRIX.get(endpoint or "")


def render_markdown() -> str:
    """The capability x role table for the README (kept equal to it by a test)."""
    header = "| Capability | What it covers | " + " | ".join(ROLES) + " |"
    lines = [header, "|" + "---|" * (len(ROLES) + 2)]
    for capability in CAPABILITIES:
        marks = ["yes" if capability is PUBLIC or role in capability.roles else "-"
                 for role in ROLES]
        lines.append(f"| {capability.name} | {capability.description} | " + " | ".join(marks)
                     + " |")
    return "\n".join(lines)
