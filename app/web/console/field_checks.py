"""WTForms validators for contact fields: the one form helper behind every console form.

Each wraps a rule of app.services.fields.rules (which the API and the CSV import call too),
so the volunteer sign-up, a referral or new case, and a directory entry refuse the same values
with the same words. Put `Optional()` before them on optional fields. A validator that cleans
the value (postcode spelling, district names) writes the clean value back to the field, so the
view saves what was checked.
"""

from __future__ import annotations

from wtforms import Field
from wtforms.form import BaseForm
from wtforms.validators import ValidationError

from app.services.fields.rules import (
    FieldInvalid,
    check_districts,
    check_phone,
    check_postcode,
    check_website,
)


class UkPhone:
    """A phone number `parse_phone` finds possible; a mobile when `mobile` (volunteers)."""

    def __init__(self, *, mobile: bool = False) -> None:
        self.mobile = mobile

    def __call__(self, _form: BaseForm, field: Field) -> None:
        try:
            check_phone(field.data, mobile=self.mobile)
        except FieldInvalid as exc:
            raise ValidationError(str(exc)) from None


class RealPostcode:
    """A postcode in the postcode directory; its first half alone when `outcode_ok`."""

    def __init__(self, *, outcode_ok: bool = False) -> None:
        self.outcode_ok = outcode_ok

    def __call__(self, _form: BaseForm, field: Field) -> None:
        try:
            field.data = check_postcode(field.data, outcode_ok=self.outcode_ok).postcode
        except FieldInvalid as exc:
            raise ValidationError(str(exc)) from None


class KnownDistricts:
    """Comma-separated council district names, rewritten in the directory's spelling."""

    def __call__(self, _form: BaseForm, field: Field) -> None:
        try:
            field.data = ", ".join(check_districts(field.data))
        except FieldInvalid as exc:
            raise ValidationError(str(exc)) from None


class WebAddress:
    """An http(s) address with a real host name."""

    def __call__(self, _form: BaseForm, field: Field) -> None:
        try:
            field.data = check_website(field.data)
        except FieldInvalid as exc:
            raise ValidationError(str(exc)) from None
