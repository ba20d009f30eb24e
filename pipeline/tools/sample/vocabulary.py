"""The programme's vocabulary as the generator uses it, taken from a :class:`PipelineConfig`.

Target, window, intake cutoff, the monthly folders, the school types and the levels each may
train, the target groups, industries and header spellings come from the configuration; the
canonical values of the enumerations from :mod:`pipeline.config`. Traditional spellings are
derived with OpenCC (``s2t``). What the generator invents (schools, majors, people, rates)
lives in :mod:`pipeline.tools.sample.invented`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import opencc

from pipeline import config as programme
from pipeline import resources

# Which of the header map's spellings a school's template uses: (first choice, the other
# spelling of schools whose systems name the field otherwise), as positions in the list.
# A field not named here is spelled one way; a position past the list's end means its first.
_HEADER_POSITIONS = {"school": (0, 1), "id_number": (0, 1), "target_group": (0, 1),
                     "major": (1, 0)}


@functools.cache
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def traditional(texts: Iterable[str]) -> tuple[str, ...]:
    """The Traditional spelling of each text (OpenCC ``s2t``)."""
    convert = _s2t().convert
    return tuple(convert(t) for t in texts)


def _both(values: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    simplified = tuple(values)
    return simplified, traditional(simplified)


@dataclass(frozen=True)
class Vocabulary:
    """The words, dates and folders of the programme that the sample's files are written in.

    ``values`` holds, per enumerated field, its canonical values in Simplified and in
    Traditional script; ``headers`` per field (Simplified, Traditional, other Simplified,
    other Traditional); ``allowed`` and ``not_allowed`` per school type the positions in
    ``levels`` of the levels it may and may not train.
    """

    target: int
    window_start: dt.date
    window_end: dt.date
    cutoff: dt.date
    folders: tuple[str, ...]
    school_types: tuple[str, ...]
    levels: tuple[str, ...]
    allowed: tuple[tuple[int, ...], ...]
    not_allowed: tuple[tuple[int, ...], ...]
    school_leaver_groups: tuple[str, ...]
    social_groups: tuple[str, ...]
    industries: tuple[str, ...]
    genders: tuple[str, ...]
    disabled_styles: tuple[tuple[str, str], ...]
    values: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]
    headers: dict[str, tuple[str, str, str, str]]

    @property
    def target_groups(self) -> tuple[str, ...]:
        """Every target group, school leavers first."""
        return self.school_leaver_groups + self.social_groups


def _folders(first_period: str, window_end: dt.date) -> tuple[str, ...]:
    """The monthly folders from the first period to the month of the window's end."""
    months = np.arange(np.datetime64(first_period, "M"),
                       np.datetime64(window_end, "M") + np.timedelta64(1, "M"))
    return tuple(months.astype(str).tolist())


def _headers(header_map: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, str, str, str]]:
    out = {}
    for field, spellings in header_map.items():
        first, other = (spellings[i] if i < len(spellings) else spellings[0]
                        for i in _HEADER_POSITIONS.get(field, (0, 0)))
        first_t, other_t = traditional((first, other))
        out[field] = (first, first_t, other, other_t)
    return out


def _disabled_styles(synonyms: dict[str, dict[str, tuple[str, ...]]]
                     ) -> tuple[tuple[str, str], ...]:
    """是/否, then each pair of one-letter codes the synonyms accept (Y/N, 1/0)."""
    accepted = synonyms.get("disabled", {})
    yes_no = programme.YES_NO
    codes = [[v for v in accepted.get(c, ()) if len(v) == 1 and v.isascii()] for c in yes_no]
    return (tuple(yes_no), *zip(*codes, strict=False))


def vocabulary(config: programme.PipelineConfig | None = None) -> Vocabulary:
    """The vocabulary of ``config`` (by default the shipped configuration)."""
    cfg = config or programme.load_pipeline_config(resources.default_config_dir())
    levels = cfg.levels
    types = tuple(cfg.levels_by_school_type)
    allowed = tuple(tuple(levels.index(lv) for lv in cfg.levels_by_school_type[t])
                    for t in types)
    return Vocabulary(
        target=cfg.target,
        window_start=cfg.window_start,
        window_end=cfg.window_end,
        cutoff=cfg.intake_cutoff,
        folders=_folders(cfg.first_period, cfg.window_end),
        school_types=types,
        levels=levels,
        allowed=allowed,
        not_allowed=tuple(tuple(i for i in range(len(levels)) if i not in a) for a in allowed),
        school_leaver_groups=cfg.school_leaver_groups,
        social_groups=cfg.social_groups,
        industries=cfg.industries,
        genders=tuple(programme.GENDERS),
        disabled_styles=_disabled_styles(cfg.synonyms),
        values={
            "target_group": _both(cfg.target_groups),
            "level": _both(levels),
            "study_mode": _both(programme.STUDY_MODES),
            "class_type": _both(programme.CLASS_TYPES),
            "education_kind": _both(programme.EDUCATION_KINDS),
            "status": _both(programme.STATUSES),
        },
        headers=_headers(cfg.header_map),
    )
