"""pipeline.render.fonts and font_cache: the Chinese font of the documents comes from the
cached instances of the PyPI font when they are there, else from fontconfig; the instances
are Regular and Bold static faces of Noto Sans SC, the same bytes whenever made."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from pipeline.render import font_cache, fonts
from pipeline.render.fonts import find_cjk_font, sc_face_name, sc_font_file


def test_find_cjk_font() -> None:
    font = find_cjk_font()
    assert font.is_file()


def test_the_cached_instances_come_first(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(fonts, "font_cache_dir", lambda: tmp_path)
    fallback = find_cjk_font()  # an empty cache: fontconfig's font
    assert fallback.parent != tmp_path
    (tmp_path / "NotoSansSC-Regular.ttf").write_bytes(b"r")
    assert find_cjk_font() == fallback  # Regular without Bold is not a cache
    (tmp_path / "NotoSansSC-Bold.ttf").write_bytes(b"b")
    assert find_cjk_font() == tmp_path / "NotoSansSC-Regular.ttf"


def test_the_simplified_chinese_face(tmp_path: Path) -> None:
    font = find_cjk_font()
    single, family = sc_font_file(font, tmp_path)
    assert single.is_file() and "SC" in family
    with TTFont(str(single), lazy=True) as tt:
        assert tt.getBestCmap()[ord("骨")]
    assert "SC" in sc_face_name(font)
    bold = fonts.bold_font(font)
    assert bold is not None and "Bold" in bold.name


def test_the_pypi_font_is_installed_and_a_cache_is_not_redone(tmp_path: Path, monkeypatch) -> None:
    source = font_cache.packaged_variable_font()
    assert source is not None and source.name == "NotoSansSC[wght].ttf"
    for style in ("Regular", "Bold"):
        (tmp_path / f"NotoSansSC-{style}.ttf").write_bytes(style.encode())
    (tmp_path / "SOURCE").write_text(font_cache._stamp(source), encoding="utf-8")

    def fail(*args):
        raise AssertionError("derived again")

    monkeypatch.setattr(font_cache, "derive_instance", fail)
    assert font_cache.build_font_cache(tmp_path) == [tmp_path / "NotoSansSC-Regular.ttf",
                                                     tmp_path / "NotoSansSC-Bold.ttf"]
    assert font_cache.main(["--check", "--folder", str(tmp_path)]) == 0
    assert font_cache.main(["--check", "--folder", str(tmp_path / "none")]) == 1


@pytest.mark.slow
def test_a_fresh_bold_instance_equals_the_cached_one(tmp_path: Path) -> None:
    """Made in another process at another time (make install), the same bytes."""
    cached = fonts.cached_font()
    if cached is None:
        pytest.skip("no font cache: run python -m pipeline.render.font_cache")
    source = font_cache.packaged_variable_font()
    fresh = font_cache.derive_instance(source, 700, tmp_path / "NotoSansSC-Bold.ttf")
    assert fresh.read_bytes() == (cached.parent / "NotoSansSC-Bold.ttf").read_bytes()
    with TTFont(str(fresh)) as tt:
        assert "fvar" not in tt and tt["OS/2"].usWeightClass == 700
        assert tt["name"].getDebugName(1) == "Noto Sans SC"
        assert tt["name"].getDebugName(2) == "Bold"
        assert tt.getBestCmap()[ord("简")]
