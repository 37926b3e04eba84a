"""Figure styles (Qt-free, so the command line reads them without starting Qt): the physical
size of a figure, its font size, named presets for screens and journal columns, and the
parsing of sizes such as ``8.6x6cm``."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

IMAGE_FORMATS = {".png": "PNG image", ".svg": "SVG (vector)", ".pdf": "PDF (vector)"}
#: Logical pixels per inch of the layout (Qt's reference resolution).
LAYOUT_DPI = 96
CM_PER_INCH = 2.54
#: Largest figure side (inches) and resolution accepted (beyond: a clear refusal).
MAX_INCHES = 60.0
DPI_RANGE = (48, 1200)
FONT_RANGE = (4.0, 40.0)


@dataclass(frozen=True)
class FigureStyle:
    """Physical size and font of a figure."""

    width_in: float = 12.5
    height_in: float = 8.33
    font_pt: float = 10.0
    publication: bool = False  #: black on white, thin lines and no hint texts

    def __post_init__(self) -> None:
        for name in ("width_in", "height_in"):
            v = getattr(self, name)
            if not 0.5 <= v <= MAX_INCHES:
                raise ValueError(
                    f"figure {name[:-3]} must be 0.5 to {MAX_INCHES:g} inches "
                    f"({0.5 * CM_PER_INCH:.2g} to {MAX_INCHES * CM_PER_INCH:g} cm), "
                    f"got {v:g} in"
                )
        if not FONT_RANGE[0] <= self.font_pt <= FONT_RANGE[1]:
            raise ValueError(
                f"font size must be {FONT_RANGE[0]:g} to {FONT_RANGE[1]:g} pt, got {self.font_pt:g}"
            )

    @property
    def logical_size(self) -> tuple[int, int]:
        """The layout size (width, height) in 96-dpi pixels."""
        return round(self.width_in * LAYOUT_DPI), round(self.height_in * LAYOUT_DPI)

    @classmethod
    def from_pixels(cls, width: int, height: int, dpi: int, font_pt: float = 10.0) -> FigureStyle:
        """The figure that fills ``width`` × ``height`` output pixels at ``dpi``."""
        return cls(width / dpi, height / dpi, font_pt)


#: Named styles: a screen-sized figure, and a journal's single column (8.6 cm) at 8 pt.
PRESETS = {
    "screen": FigureStyle(12.5, 8.33, 10.0),
    "publication": FigureStyle(8.6 / CM_PER_INCH, 6.4 / CM_PER_INCH, 8.0, publication=True),
    "publication-wide": FigureStyle(17.8 / CM_PER_INCH, 9.0 / CM_PER_INCH, 8.0, publication=True),
}


def parse_size(text: str) -> tuple[float, float]:
    """``"8.6x6cm"``, ``"4x3in"`` or ``"1200x800px"`` (px at 96 per inch) → inches."""
    m = re.fullmatch(r"\s*([0-9.]+)\s*[x×]\s*([0-9.]+)\s*(cm|mm|in|px)\s*", text or "")
    if not m:
        raise ValueError(f"figure size must look like 8.6x6cm, 4x3in or 1200x800px, got {text!r}")
    w, h, unit = float(m.group(1)), float(m.group(2)), m.group(3)
    per_inch = {"cm": CM_PER_INCH, "mm": 10 * CM_PER_INCH, "in": 1.0, "px": LAYOUT_DPI}[unit]
    return w / per_inch, h / per_inch


def style_from(
    preset: str | None = None, size: str | None = None, font_pt: float | None = None
) -> FigureStyle:
    """A style from a preset name, a size text and a font size (each optional)."""
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"unknown figure preset {preset!r}; choose one of {', '.join(PRESETS)}")
    style = PRESETS[preset or "screen"]
    if size is not None:
        w, h = parse_size(size)
        style = replace(style, width_in=w, height_in=h)
    if font_pt is not None:
        style = replace(style, font_pt=float(font_pt))
    return style
