"""Ward boundaries, points inside a ward, and WGS84 -> British National Grid (OSGB36) coordinates.

Camden's PCN data gives both easting/northing and longitude/latitude, so the generator needs the conversion. It is
the Ordnance Survey's published method (Helmert datum shift, then the Transverse Mercator projection), accurate to a
few metres, which is plenty for a point on a street.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class WardShape:
    code: str
    rings: tuple[np.ndarray, ...]  # outer rings (lon, lat), one per polygon part; holes are not used in Camden

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        points = np.concatenate(self.rings)
        return points[:, 0].min(), points[:, 1].min(), points[:, 0].max(), points[:, 1].max()


def load_shapes(path: Path) -> dict[str, WardShape]:
    """Ward code -> shape, from a GeoJSON FeatureCollection keyed by WD22CD (or `code`)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    shapes = {}
    for feature in data["features"]:
        props = feature["properties"]
        code = props.get("WD22CD") or props.get("code")
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        shapes[code] = WardShape(code, tuple(np.asarray(p[0], dtype=float) for p in polygons))
    return shapes


def inside(lon: np.ndarray, lat: np.ndarray, shape: WardShape) -> np.ndarray:
    """Even-odd ray casting, vectorised over the points."""
    result = np.zeros(len(lon), dtype=bool)
    for ring in shape.rings:
        x1, y1 = ring[:-1, 0], ring[:-1, 1]
        x2, y2 = ring[1:, 0], ring[1:, 1]
        crossing = ((y1[None, :] > lat[:, None]) != (y2[None, :] > lat[:, None]))
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = x1[None, :] + (lat[:, None] - y1[None, :]) * (x2 - x1)[None, :] / (y2 - y1)[None, :]
        result ^= (crossing & (lon[:, None] < x_at)).sum(axis=1) % 2 == 1
    return result


def points_in(shape: WardShape, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n random points (lon, lat rounded to 6 decimals) inside the ward, by rejection from its bounding box."""
    west, south, east, north = shape.bbox
    lons, lats, found = [], [], 0
    while found < n:
        lon = np.round(rng.uniform(west, east, size=max(4 * (n - found), 16)), 6)
        lat = np.round(rng.uniform(south, north, size=len(lon)), 6)
        keep = inside(lon, lat, shape)
        lons.append(lon[keep])
        lats.append(lat[keep])
        found += int(keep.sum())
    return np.concatenate(lons)[:n], np.concatenate(lats)[:n]


# ------------------------------------------------------------------------------------------- British National Grid

_WGS84 = (6378137.000, 6356752.3141)
_AIRY1830 = (6377563.396, 6356256.909)
# WGS84 -> OSGB36 Helmert parameters (metres, ppm, arc seconds), Ordnance Survey "A guide to coordinate systems".
_TX, _TY, _TZ, _S = -446.448, 125.157, -542.060, 20.4894
_RX, _RY, _RZ = (np.radians(v / 3600) for v in (-0.1502, -0.2470, -0.8421))


def wgs84_to_osgb(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Easting and northing (metres) on the British National Grid for WGS84 longitude/latitude in degrees."""
    phi, lam = np.radians(lat), np.radians(lon)
    a, b = _WGS84
    e2 = 1 - b * b / (a * a)
    nu = a / np.sqrt(1 - e2 * np.sin(phi) ** 2)
    x = nu * np.cos(phi) * np.cos(lam)
    y = nu * np.cos(phi) * np.sin(lam)
    z = (1 - e2) * nu * np.sin(phi)
    s = _S * 1e-6
    x2 = _TX + (1 + s) * x - _RZ * y + _RY * z
    y2 = _TY + _RZ * x + (1 + s) * y - _RX * z
    z2 = _TZ - _RY * x + _RX * y + (1 + s) * z
    a, b = _AIRY1830
    e2 = 1 - b * b / (a * a)
    p = np.sqrt(x2 ** 2 + y2 ** 2)
    phi = np.arctan2(z2, p * (1 - e2))
    for _ in range(6):
        nu = a / np.sqrt(1 - e2 * np.sin(phi) ** 2)
        phi = np.arctan2(z2 + e2 * nu * np.sin(phi), p)
    lam = np.arctan2(y2, x2)
    return _transverse_mercator(phi, lam, a, b)


def _transverse_mercator(phi: np.ndarray, lam: np.ndarray, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    f0, phi0, lam0, e0, n0 = 0.9996012717, np.radians(49.0), np.radians(-2.0), 400000.0, -100000.0
    e2 = 1 - b * b / (a * a)
    n = (a - b) / (a + b)
    sin, cos, tan = np.sin(phi), np.cos(phi), np.tan(phi)
    nu = a * f0 / np.sqrt(1 - e2 * sin ** 2)
    rho = a * f0 * (1 - e2) / (1 - e2 * sin ** 2) ** 1.5
    eta2 = nu / rho - 1
    dphi, sphi = phi - phi0, phi + phi0
    m = b * f0 * ((1 + n + 1.25 * n ** 2 + 1.25 * n ** 3) * dphi
                  - (3 * n + 3 * n ** 2 + 21 / 8 * n ** 3) * np.sin(dphi) * np.cos(sphi)
                  + (15 / 8 * n ** 2 + 15 / 8 * n ** 3) * np.sin(2 * dphi) * np.cos(2 * sphi)
                  - 35 / 24 * n ** 3 * np.sin(3 * dphi) * np.cos(3 * sphi))
    i = m + n0
    ii = nu / 2 * sin * cos
    iii = nu / 24 * sin * cos ** 3 * (5 - tan ** 2 + 9 * eta2)
    iiia = nu / 720 * sin * cos ** 5 * (61 - 58 * tan ** 2 + tan ** 4)
    iv = nu * cos
    v = nu / 6 * cos ** 3 * (nu / rho - tan ** 2)
    vi = nu / 120 * cos ** 5 * (5 - 18 * tan ** 2 + tan ** 4 + 14 * eta2 - 58 * tan ** 2 * eta2)
    dl = lam - lam0
    northing = i + ii * dl ** 2 + iii * dl ** 4 + iiia * dl ** 6
    easting = e0 + iv * dl + v * dl ** 3 + vi * dl ** 5
    return easting, northing
