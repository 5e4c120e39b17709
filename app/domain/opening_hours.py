"""Opening hours with UK bank holidays. (Helper "fallback-simulate" owns this file.)

Interface:

    parse_opening_hours(spec: str) -> OpeningHours   # "Mon-Fri 09:00-17:00; Sat 10:00-12:00"
    OpeningHours.is_open(at: datetime) -> bool        # closed on England & Wales bank holidays
"""
