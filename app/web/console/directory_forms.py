"""Forms of the directory pages: search (GET, no CSRF) and the service form (POST, CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from app.services.directory.entries import STATUSES
from app.web.console.field_checks import KnownDistricts, RealPostcode, UkPhone, WebAddress
from app.web.console.forms import NEED_CHOICES


class DirectorySearchForm(FlaskForm):
    need = SelectField("Need", choices=[("", "Any need"), *NEED_CHOICES], validators=[Optional()])
    district = StringField("District", validators=[Optional(), Length(max=80)])
    postcode = StringField("Near postcode", validators=[Optional(), Length(max=10)])
    within_km = DecimalField("Within (km)", places=1, validators=[
        Optional(), NumberRange(min=0.1, max=500)])


class ServiceForm(FlaskForm):
    name = StringField("Service name", validators=[DataRequired(), Length(max=255)])
    organisation_name = StringField("Organisation that runs it",
                                    validators=[DataRequired(), Length(max=255)])
    description = TextAreaField("What it offers", validators=[Optional(), Length(max=4000)])
    needs = SelectMultipleField("Needs it helps with", choices=NEED_CHOICES,
                                validators=[DataRequired("Choose at least one need")])
    districts = StringField("Districts it serves", validators=[Optional(), Length(max=400),
                                                              KnownDistricts()],
                            description="Council districts, like Worcester, Wychavon; separate "
                            "with commas; leave empty for every district")
    phone = StringField("Phone", validators=[Optional(), UkPhone()])
    email = EmailField("E-mail", validators=[Optional(), Email(), Length(max=254)])
    website = URLField("Website", validators=[Optional(), Length(max=2000), WebAddress()])
    opening_hours = TextAreaField("Opening hours", validators=[Optional(), Length(max=1000)])
    eligibility = TextAreaField("Who can use it", validators=[Optional(), Length(max=1000)])
    is_statutory = BooleanField("Statutory service (run by a public body)")
    status = SelectField("Status", choices=[(s, s.capitalize()) for s in STATUSES])
    address_1 = StringField("Address", validators=[Optional(), Length(max=255)])
    city = StringField("Town", validators=[Optional(), Length(max=120)])
    postcode = StringField("Postcode", validators=[Optional(), RealPostcode()])
    last_reviewed_on = DateField("Last checked with the organisation",
                                 validators=[Optional()])
