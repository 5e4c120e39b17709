"""What was said in a conversation, both ways, kept on the conversation for the case timeline.

A call's IVR steps (what the line said, the keys pressed or words spoken, ringing staff, the
voicemail) and the service's SMS replies are answered in TwiML and so never become `Message`
rows; most of them also happen before a case exists. Each is noted here, in order, on the
conversation's state (which the flow engine carries through untouched), and the case page reads
them once the conversation has a case. Inbound SMS are `Message` rows already: a line only names
their id, so the page shows each text once.

Bounded: at most `MAX_LINES` lines of at most `MAX_TEXT` characters each, NUL removed, so a
caller who loops the menu for an hour cannot grow a row without limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.models.conversation import Conversation

MAX_LINES = 300
MAX_TEXT = 1000
KEY = "transcript"

#: who: "resident" (the caller or texter), "line" (the service), "call" (what the call did).
RESIDENT, LINE, CALL = "resident", "line", "call"


@dataclass(frozen=True)
class Line:
    at: datetime
    who: str
    kind: str  # keys | speech | silence | sms | say | sms_reply | step
    text: str
    message_id: int | None = None
    channel: str = ""


def note(conversation: Conversation, now: datetime, who: str, kind: str, text: str = "", *,
         message_id: int | None = None) -> None:
    """Append one line (the state is replaced, not mutated, so the ORM sees the change)."""
    state = dict(conversation.state or {})
    lines = list(state.get(KEY) or [])
    if len(lines) >= MAX_LINES:
        return
    entry: dict[str, Any] = {"at": now.astimezone(UTC).isoformat(), "who": who, "kind": kind,
                             "text": (text or "").replace("\x00", "")[:MAX_TEXT],
                             "channel": str(conversation.channel or "")}
    if message_id is not None:
        entry["message_id"] = message_id
    lines.append(entry)
    state[KEY] = lines
    conversation.state = state


def note_said(conversation: Conversation, now: datetime, messages: list[str]) -> None:
    """What the line said (a call) or replied (SMS), one line per message."""
    kind = "say" if conversation.channel == "voice" else "sms_reply"
    for text in messages:
        if text and text.strip():
            note(conversation, now, LINE, kind, text)


def lines_of(conversation: Conversation) -> list[Line]:
    """The conversation's lines, oldest first; a malformed entry is skipped, never fatal."""
    found: list[Line] = []
    for raw in (conversation.state or {}).get(KEY) or []:
        try:
            at = datetime.fromisoformat(raw["at"])
            found.append(Line(at if at.tzinfo else at.replace(tzinfo=UTC), str(raw["who"]),
                              str(raw["kind"]), str(raw.get("text") or ""),
                              raw.get("message_id"), str(raw.get("channel") or "")))
        except (KeyError, TypeError, ValueError):
            continue
    return found
