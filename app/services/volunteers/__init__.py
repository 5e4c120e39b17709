"""The volunteer register: rules, admin, CSV import, SMS replies, DBS reminders."""
