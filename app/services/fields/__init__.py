"""The rules for the contact fields people type (phone, postcode, districts, website), shared
by every way in: the console forms, the JSON API and the CSV import."""
