"""pipeline.render.fonts: a font that draws Simplified Chinese is found, and a collection's
Simplified-Chinese face is the one used."""

from __future__ import annotations

from pathlib import Path

from fontTools.ttLib import TTFont

from pipeline.render.fonts import find_cjk_font, sc_face_name, sc_font_file


def test_find_cjk_font() -> None:
    font = find_cjk_font()
    assert font.is_file()


def test_the_simplified_chinese_face(tmp_path: Path) -> None:
    font = find_cjk_font()
    single, family = sc_font_file(font, tmp_path)
    assert single.is_file() and "SC" in family
    with TTFont(str(single), lazy=True) as tt:
        assert tt.getBestCmap()[ord("骨")]
    assert "SC" in sc_face_name(font)
