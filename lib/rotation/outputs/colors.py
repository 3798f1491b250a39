"""Colour science for the house style: colour-vision-deficiency simulation and perceptual distance.

* ``simulate_cvd(hex, kind)``: how a colour looks with a dichromacy, by the Machado, Oliveira and
  Fernandes (2009) model at severity 1, applied to *linear* sRGB (the gamma is removed first and put
  back after; results are clipped to the sRGB gamut).
* ``delta_e2000(hex1, hex2)``: the CIEDE2000 colour difference (Sharma, Wu and Dalal 2005) between
  two sRGB colours, through CIELAB with the D65 white point. About 1 is a just-noticeable
  difference; categorical chart colours need far more (see ``plots.MIN_DELTA_E``).

Pure functions on ``#rrggbb`` strings or RGB triples in [0, 1]; no plotting.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np

# Machado et al. (2009), severity 1.0; rows map linear (R, G, B) to the simulated linear (R, G, B).
CVD_MATRICES: dict[str, np.ndarray] = {
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]
    ),
}
_SRGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]]
)
_D65 = np.array([0.95047, 1.0, 1.08883])


def to_rgb(color: str | Sequence[float]) -> np.ndarray:
    """``#rrggbb`` (or an RGB triple in [0, 1]) -> gamma-encoded sRGB array in [0, 1]."""
    if isinstance(color, str):
        text = color.strip().lstrip("#")
        if len(text) != 6:
            raise ValueError(f"colour {color!r}: expected #rrggbb")
        return np.array([int(text[i : i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.asarray(color, dtype=float)


def to_hex(rgb: Sequence[float]) -> str:
    """Gamma-encoded sRGB in [0, 1] -> ``#rrggbb``."""
    return "#" + "".join(f"{round(float(np.clip(c, 0, 1)) * 255):02x}" for c in rgb)


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    rgb = np.asarray(rgb, dtype=float)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(np.asarray(lin, dtype=float), 0, 1)
    return np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)


def simulate_cvd(color: str | Sequence[float], kind: str = "deuteranopia") -> np.ndarray:
    """The colour as seen with the dichromacy ``kind`` (gamma-encoded sRGB in [0, 1])."""
    if kind not in CVD_MATRICES:
        raise ValueError(f"unknown colour-vision deficiency {kind!r} (have: {', '.join(CVD_MATRICES)})")
    return linear_to_srgb(CVD_MATRICES[kind] @ srgb_to_linear(to_rgb(color)))


def to_lab(color: str | Sequence[float]) -> np.ndarray:
    """CIELAB (L*, a*, b*) of an sRGB colour, D65 white."""
    xyz = _SRGB_TO_XYZ @ srgb_to_linear(to_rgb(color)) / _D65
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab1: Sequence[float], lab2: Sequence[float]) -> float:
    """CIEDE2000 difference of two CIELAB colours (kL = kC = kH = 1)."""
    L1, a1, b1 = map(float, lab1)
    L2, a2, b2 = map(float, lab2)
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    d_l, d_c = L2 - L1, c2p - c1p
    if c1p * c2p == 0:
        d_h = 0.0
    elif abs(h2p - h1p) <= 180:
        d_h = h2p - h1p
    else:
        d_h = h2p - h1p - 360 if h2p > h1p else h2p - h1p + 360
    d_hh = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(d_h / 2))
    l_bar, cp_bar = (L1 + L2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_bar - 30))
        + 0.24 * math.cos(math.radians(2 * h_bar))
        + 0.32 * math.cos(math.radians(3 * h_bar + 6))
        - 0.20 * math.cos(math.radians(4 * h_bar - 63))
    )
    d_theta = 30 * math.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_bar**7 / (cp_bar**7 + 25**7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_hh / s_h) ** 2 + r_t * (d_c / s_c) * (d_hh / s_h))


def delta_e2000(color1: str | Sequence[float], color2: str | Sequence[float]) -> float:
    """CIEDE2000 difference between two sRGB colours."""
    return ciede2000(to_lab(color1), to_lab(color2))


def pairwise_delta_e(colors: Mapping[str, str], kind: str | None = "deuteranopia") -> dict[tuple[str, str], float]:
    """CIEDE2000 between every pair of named colours, as seen with ``kind`` (None: normal vision)."""
    seen = {name: (simulate_cvd(c, kind) if kind else to_rgb(c)) for name, c in colors.items()}
    return {(a, b): delta_e2000(seen[a], seen[b]) for a, b in itertools.combinations(seen, 2)}


__all__ = ["CVD_MATRICES", "ciede2000", "delta_e2000", "pairwise_delta_e", "simulate_cvd", "to_hex", "to_lab", "to_rgb"]
