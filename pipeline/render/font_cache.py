"""The Chinese font from PyPI, made usable once: ``python -m pipeline.render.font_cache``.

``justmytype-intl-cjk`` ships ``NotoSansSC[wght].ttf``, a Simplified-Chinese-only variable
font whose default instance is Thin (100). WeasyPrint and matplotlib want static faces, so
this derives Regular (400) and Bold (700) instances with ``fontTools.varLib.instancer``
(about 30 s each, run in parallel) and caches them in the environment
(:func:`pipeline.render.fonts.font_cache_dir`), where :func:`pipeline.render.fonts.find_cjk_font`
prefers them to fontconfig's fonts. ``make install`` runs it; the same source and fontTools
version give the same bytes (a stamp file records both, so a rerun does nothing).
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from importlib.resources import files
from pathlib import Path

from pipeline.render.files import write_bytes, write_text
from pipeline.render.fonts import (
    INSTANCE_FILE,
    INSTANCES,
    FontNotFound,
    cached_font,
    font_cache_dir,
)

log = logging.getLogger(__name__)

#: The package and the path inside it of the Simplified-Chinese variable font.
PACKAGE_FONT = ("justmytype_intl_cjk", "fonts/ofl/notosanssc/NotoSansSC[wght].ttf")
#: What the cached instances were made from (the source's SHA-256, the fontTools version).
SOURCE_STAMP = "SOURCE"

def packaged_variable_font() -> Path | None:
    """The variable font of ``justmytype-intl-cjk`` (None when it is not installed)."""
    package, inside = PACKAGE_FONT
    try:
        path = Path(str(files(package) / inside))
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


def derive_instance(source: Path, weight: int, target: Path) -> Path:
    """Save the static instance of ``source`` at ``weight`` (names updated from its STAT
    table: ``Noto Sans SC`` ``Regular``/``Bold``) to ``target``; the head table's date is
    kept, so the bytes do not depend on when it runs."""
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    with TTFont(str(source), recalcTimestamp=False) as font:
        static = instancer.instantiateVariableFont(font, {"wght": weight}, updateFontNames=True)
        buf = io.BytesIO()
        static.save(buf)
    write_bytes(target, buf.getvalue())
    return target


def _stamp(source: Path) -> str:
    """What the instances are made from: the source's SHA-256 and the fontTools version."""
    import fontTools

    from pipeline.io import sha256

    return f"{source.name} {sha256(source)} fonttools {fontTools.version}\n"


def build_font_cache(folder: Path | None = None) -> list[Path]:
    """Derive the Regular and Bold instances into ``folder`` (default: the environment's
    font cache), in parallel; nothing is redone when the cache already holds them, made
    from the same source with the same fontTools. FontNotFound without the package."""
    source = packaged_variable_font()
    if source is None:
        raise FontNotFound("justmytype-intl-cjk is not installed (pip install -e . installs it)")
    folder = folder or font_cache_dir()
    targets = [folder / INSTANCE_FILE.format(style=style) for style in INSTANCES]
    stamp, want = folder / SOURCE_STAMP, _stamp(source)
    if cached_font(folder) and stamp.is_file() and stamp.read_text(encoding="utf-8") == want:
        return targets
    with ProcessPoolExecutor(max_workers=len(INSTANCES)) as pool:
        done = list(pool.map(derive_instance, [source] * len(targets), INSTANCES.values(),
                             targets))
    write_text(stamp, want)
    return done


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pipeline.render.font_cache [--check] [--folder DIR]``: build the font cache
    (or, with ``--check``, exit 0 when it is there and 1 when it is not)."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.render.font_cache",
                                     description="Cache the Chinese font of the PDFs.")
    parser.add_argument("--check", action="store_true", help="only say whether it is cached")
    parser.add_argument("--folder", type=Path, default=None, help="cache folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    if args.check:
        return 0 if cached_font(args.folder) else 1
    try:
        paths = build_font_cache(args.folder)
    except FontNotFound as exc:
        log.warning("fonts: %s; the PDFs use a system font (scripts/ensure_fonts.sh)", exc)
        return 0
    log.info("fonts: %s", ", ".join(str(p) for p in paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
