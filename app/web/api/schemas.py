"""Marshmallow schemas of the JSON API: they validate requests AND generate the OpenAPI document.

Shared by every /api/v1 module (cases, messages, volunteers, reports). Conventions:
- unknown fields are refused (marshmallow's default RAISE), so a typo is a 422, not ignored;
- every string goes through `Text`: trimmed, length-capped, and free of NUL and other control
  characters (PostgreSQL cannot store NUL in text, and nobody means to send one);
- phone numbers and postcodes go through app.services.fields.rules, as the console forms and
  the CSV import do (possible numbers accepted, stored E.164; postcodes the directory knows);
- `need` accepts the built-in needs (`Need`) and any need a flow file adds, so it is validated by
  shape (`[a-z_]{1,40}`) rather than by a fixed list.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_dump, validate, validates_schema

from app.domain.enums import (
    CaseOutcome,
    CaseStatus,
    Category,
    Channel,
    MessageDirection,
    Need,
    Urgency,
)
from app.repositories.cases import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from app.services.fields.rules import FieldInvalid, check_phone, check_postcode

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NEED_PATTERN = r"^[a-z_]{1,40}$"
#: The largest id an INTEGER primary key can hold (PostgreSQL int4; SQLite overflows at int8).
#: Cap id path parameters (`<int(max=2147483647):id>`) and id cursors with it: a bigger number
#: would otherwise reach the database driver and come back as a 500.
MAX_DB_ID = 2_147_483_647


def _values(enum: Any) -> list[str]:
    return [member.value for member in enum]


class Text(fields.String):
    """A trimmed string of at most `max_length` characters, without control characters.

    Line breaks and tabs are allowed (a resident's words may have them). An empty string after
    trimming counts as "not given" (None) unless `allow_empty` is set.
    """

    def __init__(self, *, max_length: int, allow_empty: bool = False, **kwargs: Any) -> None:
        metadata = {"maxLength": max_length, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)
        self.max_length = max_length
        self.allow_empty = allow_empty

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        if _CONTROL.search(text):
            raise ValidationError("Must not contain control characters.")
        text = text.strip()
        if len(text) > self.max_length:
            raise ValidationError(f"Longer than maximum length {self.max_length}.")
        if not text and not self.allow_empty:
            return None
        return text


class Phone(fields.String):
    """A phone number in any usual form; deserialised to E.164 (possible numbers only)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            return str(check_phone(raw).e164)
        except FieldInvalid as exc:
            raise ValidationError(str(exc)) from None


class Postcode(fields.String):
    """A real UK postcode (`WR1 2NN`) or a known outward code (`WR1`), normalised."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            return check_postcode(raw, outcode_ok=True).postcode
        except FieldInvalid as exc:
            raise ValidationError(str(exc)) from None


# --- cases ---------------------------------------------------------------------------------


class CaseEventSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    summary = fields.String()
    data = fields.Dict()
    staff_user_id = fields.Integer(allow_none=True)
    volunteer_id = fields.Integer(allow_none=True)
    message_id = fields.Integer(allow_none=True)
    call_id = fields.Integer(allow_none=True)
    offer_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()

    @post_dump
    def _no_recording_url(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        """Older voicemail events kept Twilio's recording URL: recordings are heard through
        the console (logged), never fetched from Twilio by whoever holds the API response."""
        if isinstance(data.get("data"), dict) and "recording_url" in data["data"]:
            data["data"] = {k: v for k, v in data["data"].items() if k != "recording_url"}
        return data


class MessageSchema(Schema):
    id = fields.Integer()
    direction = fields.String(metadata={"enum": _values(MessageDirection)})
    purpose = fields.String()
    to = fields.String(attribute="to_phone", allow_none=True)
    from_ = fields.String(attribute="from_phone", data_key="from", allow_none=True)
    body = fields.String()
    status = fields.String()
    error_code = fields.Integer(allow_none=True)
    error_message = fields.String(allow_none=True)
    segments = fields.Integer()
    price = fields.Decimal(as_string=True, allow_none=True)
    price_unit = fields.String(allow_none=True)
    twilio_sid = fields.String(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    volunteer_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)


class CaseSchema(Schema):
    reference = fields.String(metadata={"example": "H2H-7K3Q"})
    status = fields.String(metadata={"enum": _values(CaseStatus)})
    category = fields.String(allow_none=True, metadata={"enum": _values(Category)})
    need = fields.String(allow_none=True)
    details = fields.String(allow_none=True)
    urgency = fields.String(metadata={"enum": _values(Urgency)})
    channel = fields.String(metadata={"enum": _values(Channel)})
    phone = fields.String(allow_none=True, metadata={"description": "E.164"})
    name = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    language = fields.String()
    consent_to_share = fields.Boolean()
    referrer_organisation = fields.String(allow_none=True)
    assigned_volunteer_id = fields.Integer(allow_none=True)
    directory_service_id = fields.Integer(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={
        "enum": _values(CaseOutcome),
        "description": "how the request ended (null while open); `unmet` on an open case: "
        "every volunteer asked, none took it, staff still trying"})
    is_demo = fields.Boolean()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ConversationLineSchema(Schema):
    """One line of the whole conversation, as the case page's timeline shows it."""

    at = fields.AwareDateTime()
    kind = fields.String(metadata={"description": "event | note | sms_in | sms_out | call | "
                                                  "call_step | said | heard | offer"})
    who = fields.String(metadata={"description": "resident | volunteer | line | staff | service"})
    title = fields.String()
    text = fields.String(attribute="body")
    meta = fields.String()


class CaseDetailSchema(CaseSchema):
    events = fields.List(fields.Nested(CaseEventSchema))
    messages = fields.List(fields.Nested(MessageSchema))
    conversation = fields.List(fields.Nested(ConversationLineSchema), metadata={
        "description": "everything on the case in time order: SMS both ways, each call step "
                       "(what the line said, keys pressed, words spoken, hand-over, "
                       "voicemail), offers and staff actions (staff only)"})


class CasePageSchema(Schema):
    items = fields.List(fields.Nested(CaseSchema), required=True)
    next = fields.String(allow_none=True, required=True,
                         metadata={"description": "pass as `cursor` for the next page"})


class MessagePageSchema(Schema):
    items = fields.List(fields.Nested(MessageSchema), required=True)
    next = fields.String(allow_none=True, required=True)


class CaseCreateSchema(Schema):
    """A case referred by a partner (`web`) or entered by staff (`staff`)."""

    channel = fields.String(validate=validate.OneOf([Channel.WEB, Channel.STAFF]),
                            metadata={"description": "default: web for partners, staff otherwise"})
    category = fields.String(required=True, validate=validate.OneOf(_values(Category)))
    need = fields.String(required=True, validate=validate.Regexp(NEED_PATTERN), metadata={
        "description": "one of " + ", ".join(_values(Need)) + ", or a need a flow file adds",
        "example": "food"})
    details = Text(max_length=4000, allow_none=True,
                   metadata={"description": "the resident's own words, kept verbatim"})
    phone = Phone(allow_none=True, metadata={"example": "07700 900123"})
    name = Text(max_length=200, allow_none=True)
    address = Text(max_length=500, allow_none=True)
    postcode = Postcode(allow_none=True, metadata={"example": "WR1 2NN"})
    urgency = fields.String(load_default=Urgency.ROUTINE.value,
                            validate=validate.OneOf(_values(Urgency)))
    language = fields.String(load_default="en", validate=validate.Regexp(
        r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"), metadata={"example": "en"})
    consent_to_share = fields.Boolean(load_default=False, metadata={"description": (
        "true only when the resident agreed that we share their first name, phone number and "
        "address with the volunteer who takes the request; false (the default) keeps the "
        "case with staff, never offered to a volunteer")})
    referrer_organisation = Text(max_length=200, allow_none=True)

    @validates_schema
    def _reachable(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data.get("phone") and not data.get("address"):
            raise ValidationError("Give a phone number or an address so the resident can be "
                                  "reached.", field_name="phone")


# --- query strings -------------------------------------------------------------------------


class PageArgs(Schema):
    cursor = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(load_default=DEFAULT_PAGE_SIZE,
                           validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class CaseListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(_values(CaseStatus)))
    category = fields.String(validate=validate.OneOf(_values(Category)))
    need = fields.String(validate=validate.Regexp(NEED_PATTERN))
    urgency = fields.String(validate=validate.OneOf(_values(Urgency)))
    district = Text(max_length=80)


class MessageListArgs(PageArgs):
    direction = fields.String(validate=validate.OneOf(_values(MessageDirection)))
    to = Phone(metadata={"description": "recipient, any usual form"})
    from_ = Phone(data_key="from", metadata={"description": "sender, any usual form"})
    phone = Phone(metadata={"description": "either party"})
