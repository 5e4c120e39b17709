"""Where things are: British National Grid (OSGB36) to WGS84, and great-circle distance.

The ONS Postcode Directory gives each postcode an Ordnance Survey grid reference (easting and
northing in metres, EPSG:27700). Phones, maps and every other source speak WGS84 latitude and
longitude, so we convert once, when a postcode is looked up.

The conversion is the one Ordnance Survey publishes in "A guide to coordinate systems in Great
Britain" (annexes B and C): invert the Transverse Mercator projection on the Airy 1830
ellipsoid, then move between datums with a 7-parameter Helmert transformation. OS states the
Helmert step is good to about 5 m, which is far better than "how far is this volunteer" needs
and keeps us free of a PROJ dependency. SW1A 1AA (529090, 179645) comes out within a metre of
PROJ's answer (51.501009, -0.141588); see tests/matching/test_geo.py.

Northern Ireland (BT) grid references in the ONSPD are on the Irish Grid, not the British one,
so they must not be passed here.
"""

from __future__ import annotations

import math

# Airy 1830 (OSGB36) and GRS80/WGS84 ellipsoids: semi-major and semi-minor axes in metres.
_AIRY_A, _AIRY_B = 6377563.396, 6356256.909
_WGS84_A, _WGS84_B = 6378137.000, 6356752.3141
# National Grid projection constants (true origin 49°N 2°W, false origin -400 km E, +100 km N).
_F0 = 0.9996012717
_LAT0 = math.radians(49.0)
_LON0 = math.radians(-2.0)
_E0, _N0 = 400000.0, -100000.0
# OSGB36 -> WGS84 Helmert parameters (the negated WGS84 -> OSGB36 set OS publishes).
_TX, _TY, _TZ = 446.448, -125.157, 542.060  # metres
_S = -20.4894e-6  # scale, ppm
_RX, _RY, _RZ = (math.radians(sec / 3600.0) for sec in (0.1502, 0.2470, 0.8421))

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius


def _meridional_arc(lat: float, n: float, b: float) -> float:
    d = lat - _LAT0
    s = lat + _LAT0
    return b * _F0 * (
        (1 + n + 1.25 * n**2 + 1.25 * n**3) * d
        - (3 * n + 3 * n**2 + 2.625 * n**3) * math.sin(d) * math.cos(s)
        + (1.875 * n**2 + 1.875 * n**3) * math.sin(2 * d) * math.cos(2 * s)
        - (35 / 24) * n**3 * math.sin(3 * d) * math.cos(3 * s)
    )


def _grid_to_airy(easting: float, northing: float) -> tuple[float, float]:
    """Inverse Transverse Mercator (OS guide, annex C): grid metres -> OSGB36 lat/lon radians."""
    a, b = _AIRY_A, _AIRY_B
    e2 = 1 - (b * b) / (a * a)
    n = (a - b) / (a + b)
    lat = _LAT0
    m = 0.0
    while True:  # converges to < 0.01 mm in a handful of steps
        lat = (northing - _N0 - m) / (a * _F0) + lat
        m = _meridional_arc(lat, n, b)
        if abs(northing - _N0 - m) < 0.00001:
            break
    sin_lat, cos_lat, tan_lat = math.sin(lat), math.cos(lat), math.tan(lat)
    nu = a * _F0 / math.sqrt(1 - e2 * sin_lat**2)
    rho = a * _F0 * (1 - e2) / (1 - e2 * sin_lat**2) ** 1.5
    eta2 = nu / rho - 1
    sec = 1 / cos_lat
    vii = tan_lat / (2 * rho * nu)
    viii = tan_lat / (24 * rho * nu**3) * (5 + 3 * tan_lat**2 + eta2 - 9 * tan_lat**2 * eta2)
    ix = tan_lat / (720 * rho * nu**5) * (61 + 90 * tan_lat**2 + 45 * tan_lat**4)
    x = sec / nu
    xi = sec / (6 * nu**3) * (nu / rho + 2 * tan_lat**2)
    xii = sec / (120 * nu**5) * (5 + 28 * tan_lat**2 + 24 * tan_lat**4)
    xiia = sec / (5040 * nu**7) * (61 + 662 * tan_lat**2 + 1320 * tan_lat**4 + 720 * tan_lat**6)
    de = easting - _E0
    lat_out = lat - vii * de**2 + viii * de**4 - ix * de**6
    lon_out = _LON0 + x * de - xi * de**3 + xii * de**5 - xiia * de**7
    return lat_out, lon_out


def _to_cartesian(lat: float, lon: float, a: float, b: float) -> tuple[float, float, float]:
    e2 = 1 - (b * b) / (a * a)
    nu = a / math.sqrt(1 - e2 * math.sin(lat) ** 2)
    return (
        nu * math.cos(lat) * math.cos(lon),
        nu * math.cos(lat) * math.sin(lon),
        (1 - e2) * nu * math.sin(lat),
    )


def _from_cartesian(x: float, y: float, z: float, a: float, b: float) -> tuple[float, float]:
    e2 = 1 - (b * b) / (a * a)
    p = math.hypot(x, y)
    lat = math.atan2(z, p * (1 - e2))
    for _ in range(10):  # fixed-point iteration; converges in 3-4 steps at these latitudes
        nu = a / math.sqrt(1 - e2 * math.sin(lat) ** 2)
        lat = math.atan2(z + e2 * nu * math.sin(lat), p)
    return lat, math.atan2(y, x)


def _helmert(x: float, y: float, z: float) -> tuple[float, float, float]:
    s1 = 1 + _S
    return (
        _TX + s1 * x - _RZ * y + _RY * z,
        _TY + _RZ * x + s1 * y - _RX * z,
        _TZ - _RY * x + _RX * y + s1 * z,
    )


def osgb36_to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    """British National Grid easting/northing (metres) -> WGS84 (latitude, longitude) degrees."""
    lat, lon = _grid_to_airy(easting, northing)
    x, y, z = _helmert(*_to_cartesian(lat, lon, _AIRY_A, _AIRY_B))
    lat, lon = _from_cartesian(x, y, z, _WGS84_A, _WGS84_B)
    return math.degrees(lat), math.degrees(lon)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres on a spherical Earth (error < 0.5%)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
