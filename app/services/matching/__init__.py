"""Offering a case to volunteers by SMS, their answers, and signposting."""
