"""/api/v1/messages: the SMS log, filtered and paged like cases."""

from __future__ import annotations

from app.models import Message


def _message(db_session, direction, *, to=None, frm=None, body="hi"):
    message = Message(direction=direction, to_phone=to, from_phone=frm, body=body,
                      status="delivered" if direction == "outbound" else "received")
    db_session.add(message)
    db_session.flush()
    return message


def test_outbound_to_a_number_in_any_form_newest_first(client, handler, db_session):
    a = _message(db_session, "outbound", to="+447700900500", body="first")
    _message(db_session, "outbound", to="+447700900501", body="someone else")
    _message(db_session, "inbound", frm="+447700900500", body="reply")
    b = _message(db_session, "outbound", to="+447700900500", body="second")
    db_session.commit()
    response = client.get("/api/v1/messages",
                          query_string={"direction": "outbound", "to": "07700 900500"},
                          headers=handler.headers)
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [m["id"] for m in items] == [b.id, a.id]
    assert items[0]["to"] == "+447700900500" and items[0]["body"] == "second"
    assert items[0]["direction"] == "outbound" and "from" in items[0]


def test_inbound_and_either_party(client, handler, db_session):
    inbound = _message(db_session, "inbound", frm="+447700900600", body="HELP")
    outbound = _message(db_session, "outbound", to="+447700900600", body="answer")
    db_session.commit()
    got = client.get("/api/v1/messages?direction=inbound&from=%2B447700900600",
                     headers=handler.headers).get_json()["items"]
    assert [m["id"] for m in got] == [inbound.id]
    got = client.get("/api/v1/messages?phone=07700900600",
                     headers=handler.headers).get_json()["items"]
    assert [m["id"] for m in got] == [outbound.id, inbound.id]


def test_messages_page_with_a_cursor(client, handler, db_session):
    made = [_message(db_session, "outbound", to="+447700900700", body=str(i)) for i in range(5)]
    db_session.commit()
    seen, cursor = [], None
    while True:
        query = {"to": "+447700900700", "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/messages", query_string=query, headers=handler.headers)
        body = body.get_json()
        seen += [m["id"] for m in body["items"]]
        cursor = body["next"]
        if not cursor:
            break
    assert seen == [m.id for m in reversed(made)]


def test_bad_message_queries_are_422(client, handler):
    for query in ({"to": "not a number"}, {"direction": "sideways"}, {"cursor": "x"},
                  {"to": "anonymous"}):
        response = client.get("/api/v1/messages", query_string=query, headers=handler.headers)
        assert response.status_code == 422, query
        assert response.is_json
