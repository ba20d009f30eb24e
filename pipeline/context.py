"""The parameters every stage receives, validated once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline import messages
from pipeline.errors import InputError

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
LANGS = ("zh-CN", "en")


@dataclass(frozen=True)
class StageContext:
    """Paths and switches of one stage run, as absolute paths."""

    period: str
    raw_dir: Path
    reference_dir: Path
    config_dir: Path
    processed_dir: Path
    out_dir: Path
    lang: str = "zh-CN"
    skip_unreadable: bool = False
    salt_dir: Path | None = None  # the folder whose local/salt is the hashing salt
    run_id: str = "lab"

    @classmethod
    def from_params(  # noqa: PLR0913 - the notebooks' parameters, one by one
        cls,
        period: str,
        raw_dir: str | Path,
        reference_dir: str | Path,
        config_dir: str | Path,
        processed_dir: str | Path,
        out_dir: str | Path,
        *,
        lang: str = "zh-CN",
        skip_unreadable: bool = False,
        salt_dir: str | Path | None = None,
        run_id: str = "lab",
        base: str | Path | None = None,
    ) -> StageContext:
        """Validate notebook parameters; relative paths resolve against ``base`` (default cwd)."""
        if not isinstance(period, str) or not PERIOD_RE.match(period):
            raise InputError(f"period {period!r}: expected YYYY-MM")
        if lang not in LANGS:
            raise InputError(f"lang {lang!r}: expected one of {', '.join(LANGS)}")
        messages.use(lang)  # refusals raised by the stage speak the edition's language
        root = Path(base) if base is not None else Path.cwd()

        def absolute(p: str | Path) -> Path:
            p = Path(p).expanduser()
            return (p if p.is_absolute() else root / p).resolve()

        return cls(
            period=period,
            raw_dir=absolute(raw_dir),
            reference_dir=absolute(reference_dir),
            config_dir=absolute(config_dir),
            processed_dir=absolute(processed_dir),
            out_dir=absolute(out_dir),
            lang=lang,
            skip_unreadable=bool(skip_unreadable),
            salt_dir=absolute(salt_dir if salt_dir is not None else config_dir),
            run_id=str(run_id),
        )

    @property
    def period_processed(self) -> Path:
        """``processed_dir/<period>``: the stage files of this period."""
        return self.processed_dir / self.period
