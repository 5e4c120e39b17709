"""Forms of the volunteer page's dated absences (the other volunteer forms are in forms.py)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import InputRequired, Length, Optional


class AbsenceForm(FlaskForm):
    """One dated absence; app.services.volunteers.absences checks the dates make sense."""

    starts_on = DateField("First day away", validators=[InputRequired(
        "Enter the first day away, for example 2026-12-14")])
    ends_on = DateField("Last day away", validators=[InputRequired(
        "Enter the last day away, for example 2026-12-28")])
    note = StringField("Note (optional)", validators=[Optional(), Length(
        max=200, message="Keep the note under 200 characters")])
