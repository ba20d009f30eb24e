"""The Chinese font of the documents: found once, used by the charts and the PDFs.

The preferred font comes from PyPI, so that a user without root gets correct PDFs: the
package ``justmytype-intl-cjk`` ships ``NotoSansSC[wght].ttf``, a Simplified-Chinese-only
variable font whose default instance is Thin. ``python -m pipeline.render.font_cache`` (run
by ``make install``) derives static Regular (400) and Bold (700) instances from it once and
caches them in the environment, ``<sys.prefix>/share/kuozhao/fonts/``
(:mod:`pipeline.render.font_cache`). :func:`find_cjk_font` takes the cached Regular
when it is there, else asks fontconfig for an installed font that draws Simplified Chinese
(Noto Sans CJK SC first: Debian's ``fonts-noto-cjk``, ``scripts/ensure_fonts.sh``).

The charts register the Simplified-Chinese face with matplotlib (:func:`sc_face_name`); the
PDFs embed that face and its bold (:func:`bold_font`) from single-face files
(:func:`sc_font_file`) with ``@font-face`` rules (:mod:`pipeline.render.documents`).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.errors import InputError

#: The static instances of the PyPI font, by style name, with their weight.
INSTANCES = {"Regular": 400, "Bold": 700}
INSTANCE_FILE = "NotoSansSC-{style}.ttf"

FONT_CANDIDATES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Serif CJK SC",
)
#: Words of a face name that mark the Simplified-Chinese face of a collection, best first.
SC_FACE_KEYS = (" SC", "SC", "GB", "Hei")


class FontNotFound(InputError):
    """No font that can draw Simplified Chinese is installed."""


def _fc(args: Sequence[str]) -> str:
    """Run a fontconfig tool; empty output when it is missing or fails."""
    exe = shutil.which(args[0])
    if exe is None:
        return ""
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [exe, *args[1:]], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout if done.returncode == 0 else ""


def _match_font(pattern: str) -> tuple[Path, str] | None:
    """``fc-match`` a pattern; the file and family when the match really covers Chinese."""
    out = _fc(["fc-match", "-f", "%{file}\t%{family}\t%{lang}\n", pattern]).strip()
    if not out:
        return None
    file, family, langs = (out.split("\t") + ["", "", ""])[:3]
    if not file or not Path(file).is_file() or "zh-cn" not in langs.split("|"):
        return None
    return Path(file), family


def font_cache_dir() -> Path:
    """Where the static instances are cached: ``<sys.prefix>/share/kuozhao/fonts``."""
    return Path(sys.prefix) / "share" / "kuozhao" / "fonts"


def cached_font(folder: Path | None = None) -> Path | None:
    """The cached Regular instance, when it (and its Bold) is there."""
    folder = folder or font_cache_dir()
    paths = [folder / INSTANCE_FILE.format(style=style) for style in INSTANCES]
    return paths[0] if all(p.is_file() for p in paths) else None


def find_cjk_font() -> Path:
    """Locate a font that draws Simplified Chinese: the cached instance of the PyPI font
    first (:func:`cached_font`), else an installed one (Noto Sans CJK SC first).

    Uses ``fc-match`` for the preferred families, then ``fc-list :lang=zh-cn``. Raises
    :class:`FontNotFound` (an ``InputError``) with one line on how to get one.
    """
    cached = cached_font()
    if cached is not None:
        return cached
    return _fontconfig_font()


def _fontconfig_font() -> Path:
    """An installed font that draws Simplified Chinese, found with fontconfig."""
    for name in FONT_CANDIDATES:
        hit = _match_font(f"{name}:lang=zh-cn")
        if hit and name.split()[0].lower() in hit[1].lower():
            return hit[0]
    listing = _fc(["fc-list", ":lang=zh-cn", "file"]).splitlines()
    files = sorted({line.split(":")[0].strip() for line in listing if line.strip()})
    files = [f for f in files if Path(f).is_file()]
    if files:
        sans = [f for f in files if "sans" in f.lower() or "hei" in f.lower()]
        return Path((sans or files)[0])
    raise FontNotFound(
        "no Simplified-Chinese font found: run `python -m pipeline.render.font_cache` (make "
        "install does) or install fonts-noto-cjk (Debian/Ubuntu, as root: apt-get install -y "
        "fonts-noto-cjk)"
    )


def bold_font(regular: Path) -> Path | None:
    """The bold file of the same family, if installed (Noto ships ``…-Bold.ttc``)."""
    for old in ("-Regular", "Regular", "-Medium"):
        if old in regular.name:
            cand = regular.with_name(
                regular.name.replace(old, old.replace("Regular", "Bold").replace("Medium", "Bold"))
            )
            if cand.is_file() and cand != regular:
                return cand
    return None


def _pick_sc(names: Sequence[str]) -> int | None:
    """Index of the Simplified-Chinese face among face names (None if none is marked)."""
    for key in SC_FACE_KEYS:
        hits = [i for i, name in enumerate(names) if key in name and "Mono" not in name]
        if hits:
            return hits[0]
    return None


def sc_face_name(font: Path) -> str:
    """The matplotlib family name of the Simplified-Chinese face of a font file (or .ttc),
    registering the file with matplotlib first."""
    from matplotlib import font_manager

    if not any(Path(e.fname) == font for e in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(font))
    names = [e.name for e in font_manager.fontManager.ttflist if Path(e.fname) == font]
    pick = _pick_sc(names)
    if pick is not None:
        return names[pick]
    plain = [name for name in names if "Mono" not in name]
    return (plain or names or ["sans-serif"])[0]


def _face_family(tt: Any) -> str:
    """The (typographic) family name of a fontTools font."""
    name = tt["name"]
    return str(name.getDebugName(16) or name.getDebugName(1) or "")


def sc_font_file(font: Path, workdir: Path) -> tuple[Path, str]:
    """A single-face font file with the Simplified-Chinese face, and its family name.

    A ``.ttc`` collection (Noto CJK) holds Japanese, Korean, Simplified and Traditional faces;
    given the whole collection, WeasyPrint picks the face by the element's ``lang`` and the
    English edition came out with Japanese glyph shapes. So the SC face is copied (tables
    raw, no recompilation) into ``workdir`` and that file is embedded. Plain font files are
    used as they are.
    """
    from fontTools.ttLib import TTCollection, TTFont

    if font.suffix.lower() not in (".ttc", ".otc"):
        with TTFont(str(font), lazy=True) as tt:
            return font, _face_family(tt)
    coll = TTCollection(str(font), lazy=True)
    families = [_face_family(f) for f in coll.fonts]
    pick = _pick_sc(families) or 0
    target = workdir / f"{font.stem}-{pick}.otf"
    if not target.exists():
        with TTFont(str(font), fontNumber=pick, lazy=True) as tt:
            tt.save(str(target), reorderTables=False)
    coll.close()
    return target, families[pick]
