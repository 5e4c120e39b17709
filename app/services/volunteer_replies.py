"""SMS from volunteers: YES / NO / DONE / JOIN. (Helper "matching" owns this file.)

Interface (called by the SMS webhook's service before the resident flow):

    handle_volunteer_sms(session, *, phone: str, text: str, now: datetime) -> VolunteerReply | None

None means "not a volunteer keyword from a volunteer": the resident flow handles the text.
VolunteerReply has `reply: str` (the SMS answer) and `message_ids: list[int]` (outbox rows to
enqueue after commit) and `job_ids`-style follow-ups as needed.
"""
