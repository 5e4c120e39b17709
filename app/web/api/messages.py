"""/api/v1/messages: the SMS log (inbound and outbound), newest first. Staff only."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint, abort

from app.repositories.cases import BadCursor, list_messages
from app.services.staff.accounts import record_access
from app.web.api.auth import api_user, client_ip
from app.web.api.schemas import MessageListArgs, MessagePageSchema
from app.web.session import db_session

blp = Blueprint("api_messages", __name__, url_prefix="/api/v1",
                description="The SMS log: what residents and volunteers sent and were sent.")


@blp.route("/messages", methods=["GET"])
@blp.arguments(MessageListArgs, location="query", as_kwargs=True)
@blp.response(200, MessagePageSchema)
@blp.alt_response(401, response="Unauthorized")
@blp.alt_response(403, response="DEFAULT_ERROR")
def list_messages_view(cursor: str | None = None, limit: int = 25, direction: str | None = None,
                       to: str | None = None, from_: str | None = None,
                       phone: str | None = None) -> dict[str, Any]:
    """SMS, newest first; `to`/`from` take a number in any usual form (normalised to E.164)."""
    session = db_session()
    try:
        page = list_messages(session, direction=direction, to_phone=to, from_phone=from_,
                             phone=phone, cursor=cursor, limit=limit)
    except BadCursor as exc:
        abort(422, errors={"query": {"cursor": [str(exc)]}})
    items = list(page.items)
    record_access(session, user_id=api_user().id, action="api_list_messages",
                  target=f"{len(items)} messages", ip_address=client_ip(),
                  detail={"message_ids": [m.id for m in items]})
    return {"items": items, "next": page.next_cursor}
