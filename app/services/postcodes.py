"""Postcode -> location and district from the ONS Postcode Directory. (Helper "matching" owns.)

Interface:

    @dataclass(frozen=True) class PostcodeInfo:
        postcode: str; district_code: str | None; district_name: str | None
        latitude: float | None; longitude: float | None; precision: str  # "postcode" | "outcode"

    lookup_postcode(text: str | None) -> PostcodeInfo | None
"""
