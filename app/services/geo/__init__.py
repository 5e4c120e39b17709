"""Postcodes to places: the ONS Postcode Directory."""
