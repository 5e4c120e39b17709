"""WTForms for community grants: the public expression of interest and the staff forms.

Amounts are typed in pounds ("250" or "250.00") and turned into pence by
`app.domain.grants.parse_money`, so the form and the service agree on what an amount is.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.domain.grants import CHECKLIST, ORGANISATION_TYPES, GrantRefused, parse_money


def _money(form: FlaskForm, field: StringField) -> None:
    try:
        parse_money(field.data)
    except GrantRefused as exc:
        raise ValidationError(str(exc)) from None


class InterestForm(FlaskForm):
    pot_id = SelectField("Which fund are you applying to?", coerce=int,
                         validators=[InputRequired("Choose a fund")])
    organisation_name = StringField("Name of your group", validators=[
        DataRequired("Enter the name of your group"), Length(max=200)])
    organisation_type = SelectField("What kind of group are you?", choices=ORGANISATION_TYPES,
                                    validators=[DataRequired("Choose the kind of group")])
    contact_name = StringField("Your name", validators=[DataRequired("Enter your name"),
                                                        Length(max=200)])
    contact_phone = StringField("Phone number (we text a mobile to say we have it)",
                                validators=[Optional(), Length(max=32)])
    contact_email = EmailField("Email address", validators=[Optional(), Length(max=254)])
    postcode = StringField("Postcode where your group works", validators=[
        DataRequired("Enter the postcode where your group works"), Length(max=10)])
    purpose = TextAreaField("What is the money for?", validators=[
        DataRequired("Tell us what the money is for"), Length(max=4000)])
    amount = StringField("How much are you asking for, in pounds?", validators=[
        DataRequired("Enter the amount"), Length(max=20), _money])
    agree = BooleanField("I agree to Here2Help keeping these details to consider this "
                         "application and contact me about it",
                         validators=[DataRequired("Tick the box to agree")])
    website = HiddenField()  # honeypot: people never fill it in


class PotForm(FlaskForm):
    name = StringField("Name of the pot", validators=[DataRequired("Enter a name"),
                                                      Length(max=200)])
    description = TextAreaField("Who it is for (shown to groups)", validators=[
        Optional(), Length(max=2000)])
    budget = StringField("Budget, in pounds", validators=[DataRequired("Enter the budget"),
                                                          _money])
    min_award = StringField("Smallest award, in pounds", validators=[
        DataRequired("Enter the smallest award"), _money])
    max_award = StringField("Largest award, in pounds", validators=[
        DataRequired("Enter the largest award"), _money])
    opens_on = DateField("Opens on", validators=[InputRequired("Enter the opening date")])
    closes_on = DateField("Closes on (included)", validators=[
        InputRequired("Enter the closing date")])


class CheckForm(FlaskForm):
    item = SelectField("Check", choices=CHECKLIST, validators=[DataRequired()])
    note = StringField("Note (optional)", validators=[Optional(), Length(max=500)])


class DecisionForm(FlaskForm):
    decision = RadioField("Decision", choices=[("award", "Award a grant"),
                                               ("decline", "Decline")],
                          validators=[DataRequired("Choose award or decline")])
    amount = StringField("Amount awarded, in pounds", validators=[Optional(), Length(max=20),
                                                                  _money])
    reason = TextAreaField("Reason", validators=[DataRequired("Give the reason"),
                                                 Length(max=2000)])


class PaymentForm(FlaskForm):
    amount = StringField("Amount paid, in pounds", validators=[DataRequired("Enter the amount"),
                                                               _money])
    paid_on = DateField("Paid on", validators=[InputRequired("Enter the date of payment")])
    reference = StringField("Payment reference (optional)", validators=[Optional(),
                                                                        Length(max=80)])
