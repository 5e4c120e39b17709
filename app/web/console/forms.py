"""WTForms for the console. Each form carries Flask-WTF's CSRF token.

The new-case and volunteer forms mirror the API's rules (required fields, lengths, enums) so a
person sees the same refusal a partner's system would get; the services re-check what matters
(phone parsing, postcode lookup) and their errors are shown against the field.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.domain.enums import CaseOutcome, Category, DbsStatus, Need, Urgency
from app.web.console.field_checks import RealPostcode, UkPhone

CATEGORY_CHOICES = [
    (Category.SHIELDING.value, "Shielding"),
    (Category.SELF_ISOLATION.value, "Self-isolating"),
    (Category.OTHER.value, "Other additional needs"),
]
NEED_CHOICES = [
    (Need.FOOD.value, "Food and shopping"),
    (Need.PRESCRIPTIONS.value, "Prescriptions"),
    (Need.BEFRIENDING.value, "Befriending"),
    (Need.TRANSPORT.value, "Transport"),
    (Need.MONEY.value, "Money worries"),
    (Need.WELLBEING.value, "Wellbeing"),
    (Need.FUNDING.value, "Funding for a community group"),
    (Need.OTHER.value, "Other"),
]
#: What a volunteer can offer: not "other", and not funding (open grants answer that need).
VOLUNTEER_NEED_CHOICES = [c for c in NEED_CHOICES
                          if c[0] not in (Need.OTHER.value, Need.FUNDING.value)]
URGENCY_CHOICES = [
    (Urgency.ROUTINE.value, "Routine"),
    (Urgency.URGENT.value, "Urgent"),
    (Urgency.SAFEGUARDING.value, "Safeguarding concern"),
]
OUTCOME_CHOICES = [
    (CaseOutcome.MATCHED.value, "Matched with a volunteer"),
    (CaseOutcome.SIGNPOSTED.value, "Signposted to a service"),
    (CaseOutcome.HANDLED_BY_STAFF.value, "Handled by staff"),
    (CaseOutcome.UNMET.value, "Need not met"),
]
DBS_CHOICES = [
    (DbsStatus.NONE.value, "None"),
    (DbsStatus.PENDING.value, "Pending"),
    (DbsStatus.CLEAR.value, "Clear"),
    (DbsStatus.EXPIRED.value, "Expired"),
]
REQUIRED = "Enter {}"


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(REQUIRED.format(
        "your email address")), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(REQUIRED.format(
        "your password")), Length(max=1024)])


class EmptyForm(FlaskForm):
    """A button-only form (show number, approve, pause...): CSRF is its only field."""


class CaseEditForm(FlaskForm):
    category = SelectField("Category", choices=CATEGORY_CHOICES)
    need = SelectField("Need", choices=NEED_CHOICES)
    urgency = SelectField("Urgency", choices=URGENCY_CHOICES)
    details = TextAreaField("Details in the resident's words", validators=[Length(max=4000)])


class AssignForm(FlaskForm):
    volunteer_id = IntegerField("Volunteer", validators=[
        InputRequired("Choose a volunteer"),
        NumberRange(min=1, max=2**31 - 1, message="Choose a volunteer")])
    dbs_override = BooleanField("Coordinator override: offer it although their DBS check is "
                                "not clear and current")
    override_reason = TextAreaField("Why (recorded on the case)", validators=[Length(max=2000)])


class SignpostForm(FlaskForm):
    service_id = SelectField("Directory service", coerce=int,
                             validators=[InputRequired("Choose a service")])


class CallbackForm(FlaskForm):
    due_at = DateTimeLocalField("Call back by", format="%Y-%m-%dT%H:%M",
                                validators=[InputRequired("Enter when to call back")])
    note = StringField("Reason (optional)", validators=[Length(max=500)])


class RecodeForm(FlaskForm):
    need = SelectField("The need this request really is", choices=NEED_CHOICES[:-1])


class NoteForm(FlaskForm):
    note = TextAreaField("Note", validators=[DataRequired(REQUIRED.format("a note")),
                                             Length(max=4000)])


class MergeForm(FlaskForm):
    into = StringField("Reference of the resident's open case",
                       validators=[DataRequired(REQUIRED.format("a case reference")),
                                   Length(max=20)])


class ConsentForm(FlaskForm):
    answer = SelectField("The resident's answer",
                         choices=[("yes", "Yes: we may share their details with a volunteer"),
                                  ("no", "No: only our staff may see their details")])
    note = TextAreaField("How and when they told you", validators=[Length(max=2000)])


class StandDownForm(FlaskForm):
    reason = TextAreaField("Why this is not a safeguarding matter",
                           validators=[DataRequired("Enter the reason for standing it down"),
                                       Length(max=2000)])


class CloseForm(FlaskForm):
    """No outcome is chosen for the person: the first option is an empty "choose" prompt, and
    an outcome the case contradicts ("matched" with no volunteer) is refused by
    app.domain.case_outcomes.close_refusal, which the service applies too."""

    outcome = SelectField("Outcome", choices=[("", "Choose the outcome"), *OUTCOME_CHOICES],
                          validators=[DataRequired("Choose the outcome of the request")])
    reason = TextAreaField("Reason (needed when the need was not met)",
                           validators=[Length(max=2000)])

    def validate_reason(self, field: TextAreaField) -> None:
        if self.outcome.data == CaseOutcome.UNMET and not (field.data or "").strip():
            raise ValidationError("Enter why the need was not met")


class ReopenForm(FlaskForm):
    reason = TextAreaField("Why it is being reopened (recorded on the case)",
                           validators=[DataRequired("Enter why the case is being reopened"),
                                       Length(max=500)])


class NewCaseForm(FlaskForm):
    name = StringField("Resident's name", validators=[Optional(), Length(max=200)])
    phone = StringField("Phone number", validators=[Optional(), UkPhone()])
    postcode = StringField("Postcode", validators=[Optional(), RealPostcode(outcode_ok=True)])
    address = TextAreaField("Address", validators=[Optional(), Length(max=500)])
    category = SelectField("Category", choices=CATEGORY_CHOICES)
    need = SelectField("Need", choices=NEED_CHOICES)
    urgency = SelectField("Urgency", choices=URGENCY_CHOICES)
    details = TextAreaField("What help is needed, in their words",
                            validators=[Optional(), Length(max=4000)])
    consent_to_share = BooleanField("They agree we share their details with a volunteer or "
                                    "service to arrange help")
    referrer_organisation = StringField("Referring organisation",
                                        validators=[Optional(), Length(max=200)])


class VolunteerSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("Name, postcode or district", validators=[Optional(), Length(max=100)])
    approval = SelectField("Approval", choices=[("", "Any"), ("pending", "Waiting for approval"),
                                                ("approved", "Approved"),
                                                ("rejected", "Rejected")])


class DbsForm(FlaskForm):
    dbs_status = SelectField("DBS status", choices=DBS_CHOICES)
    dbs_expires_on = DateField("Expiry date", validators=[Optional()])
    dbs_cost = DecimalField("Cost of the check, in pounds", places=2,
                            validators=[Optional(), NumberRange(min=0, max=1000)])


class SignupForm(FlaskForm):
    name = StringField("Your full name", validators=[DataRequired(REQUIRED.format(
        "your full name")), Length(max=200)])
    phone = StringField("Mobile phone number", validators=[DataRequired(REQUIRED.format(
        "your mobile phone number")), UkPhone(mobile=True)])
    email = EmailField("Email address (optional)",
                       validators=[Optional(), Email("Enter an email address like "
                                                     "name@example.com"), Length(max=254)])
    postcode = StringField("Postcode", validators=[DataRequired(REQUIRED.format(
        "your postcode")), RealPostcode()])
    needs = SelectMultipleField("What could you help with?", choices=VOLUNTEER_NEED_CHOICES,
                                validators=[DataRequired("Choose at least one way to help")])
    max_distance_km = IntegerField("How far could you travel, in kilometres?", default=5,
                                   validators=[InputRequired("Enter a distance"),
                                               NumberRange(min=1, max=50,
                                                           message="Enter a number from 1 to 50")])
    agree = BooleanField("I agree to Here2Help keeping these details to contact me about "
                         "volunteering", validators=[DataRequired("Tick the box to agree")])
    website = HiddenField()  # honeypot: people never fill it in


class VolunteerEditForm(FlaskForm):
    """The volunteer's details; the values are checked by the same rules as the API's
    (app.services.volunteers.register.validate), whose messages are shown on the fields.
    Every field is required here: the API's partial update keeps a blank field's old value,
    which on a form would look like clearing it."""

    name = StringField("Name", validators=[DataRequired(REQUIRED.format("their name"))])
    phone = StringField("Mobile phone number",
                        validators=[DataRequired(REQUIRED.format("their mobile number"))])
    postcode = StringField("Postcode", validators=[DataRequired(REQUIRED.format("a postcode"))])
    needs = SelectMultipleField("Helps with", choices=VOLUNTEER_NEED_CHOICES, validate_choice=False,
                                validators=[DataRequired("Choose at least one way they help")])
    max_distance_km = StringField("How far they travel, in kilometres",
                                  validators=[DataRequired(REQUIRED.format("a distance"))])
    # Optional: empty means any time (register.validate reads the text).
    availability = StringField("Weekly hours (optional)", validators=[Optional(), Length(max=500)])


class CodeForm(FlaskForm):
    """One authenticator (or, at sign-in, recovery) code."""

    code = StringField("Code", validators=[DataRequired(REQUIRED.format("the code")),
                                           Length(max=64)])


REPEAT_CHOICES = [("once", "Once, now"), ("weekly", "Every week"),
                  ("fortnightly", "Every fortnight")]


class RepeatForm(FlaskForm):
    """Staff's "Repeat this request": once now, or on a weekly or fortnightly schedule."""

    how = SelectField("How often", choices=REPEAT_CHOICES)
    first_due_on = DateField("First repeat on (for a schedule)", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        """A schedule needs its first date (Optional() would end the field's checks early)."""
        ok = super().validate(extra_validators)
        if ok and self.how.data != "once" and self.first_due_on.data is None:
            self.first_due_on.errors = ["Enter the date of the first repeat"]
            return False
        return ok
