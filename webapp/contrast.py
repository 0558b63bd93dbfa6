"""WCAG 2 contrast: the text colour (black or white) that reads best on a badge's fill."""

from __future__ import annotations

import re

_HEX = re.compile(r"^#([0-9a-fA-F]{6})$")


def relative_luminance(colour: str) -> float:
    """The WCAG 2 relative luminance of a ``#RRGGBB`` colour (0 black … 1 white); ValueError otherwise."""
    match = _HEX.match(colour or "")
    if not match:
        raise ValueError(f"not a #RRGGBB colour: {colour!r}")
    channels = [int(match.group(1)[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two ``#RRGGBB`` colours (1 … 21)."""
    high, low = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colour(fill: str) -> str:
    """``#ffffff`` where white text reaches 4.5:1 (WCAG AA) on ``fill``, else ``#000000``."""
    return "#ffffff" if contrast_ratio(fill, "#ffffff") >= 4.5 else "#000000"
