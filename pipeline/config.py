"""Configuration: `config/pipeline.yaml` read once, validated into typed values.

Every problem raises :class:`ConfigError` with one line naming the file and the key.
The hashing salt lives in the git-ignored ``config/local/salt``; a random one is created
on first use.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.yamlconf import Reader, read_yaml

FIELDS = (
    "school", "name", "id_number", "gender", "target_group", "disabled", "major", "level",
    "study_mode", "years", "class_type", "education_kind", "admission_date", "status",
)
ENUM_FIELDS = (
    "gender", "disabled", "target_group", "level", "study_mode", "class_type",
    "education_kind", "status",
)
# The canonical values of the enumerated fields (DESIGN §3); spellings map to these.
STATUSES = ("已注册", "待注册", "休学", "退学")
GENDERS = ("男", "女")
YES_NO = ("是", "否")
STUDY_MODES = ("全日制", "非全日制")
CLASS_TYPES = ("普通班", "订单班", "定向班", "委托班")
EDUCATION_KINDS = ("学制教育", "短期培训")
TOP_KEYS = {
    "programme", "counting", "age", "trajectory", "projection", "publication", "validation",
    "required_fields", "header_map", "synonyms", "school_leaver_groups", "social_groups",
    "school_types", "industries", "month_headers", "districts",
}


@dataclass(frozen=True)
class PipelineConfig:
    """The validated content of `pipeline.yaml`."""

    target: int
    window_start: dt.date
    window_end: dt.date
    first_period: str
    intake_cutoff: dt.date
    autumn_label: str
    spring_label: str
    counting_basis: str
    registered_statuses: tuple[str, ...]
    age_min: int
    age_max: int
    trajectory_start: dt.date
    trajectory_end: dt.date
    projection_months: int
    lang: str
    disclosure_dimensions: tuple[str, ...]
    disclosure_threshold: int
    raw_clean_share_mostly: float
    required_fields: tuple[str, ...]
    header_map: dict[str, tuple[str, ...]]
    synonyms: dict[str, dict[str, tuple[str, ...]]]
    school_leaver_groups: tuple[str, ...]
    social_groups: tuple[str, ...]
    levels_by_school_type: dict[str, tuple[str, ...]]
    industries: tuple[str, ...]
    month_headers: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()  # in the order of their administrative division codes

    @property
    def target_groups(self) -> tuple[str, ...]:
        """Every known target group, school leavers first."""
        return self.school_leaver_groups + self.social_groups

    @property
    def levels(self) -> tuple[str, ...]:
        """Every level any school type may train, in training order."""
        order = ("初级工", "中级工", "高级工", "预备技师")
        known = {lv for lvs in self.levels_by_school_type.values() for lv in lvs}
        return tuple(lv for lv in order if lv in known) + tuple(sorted(known - set(order)))

    @property
    def intake_labels(self) -> tuple[str, str]:
        """(autumn, spring) intake labels."""
        return self.autumn_label, self.spring_label

    @property
    def enumerations(self) -> dict[str, tuple[str, ...]]:
        """The canonical values of every enumerated field."""
        return {
            "target_group": self.target_groups,
            "level": self.levels,
            "status": STATUSES,
            "gender": GENDERS,
            "disabled": YES_NO,
            "study_mode": STUDY_MODES,
            "class_type": CLASS_TYPES,
            "education_kind": EDUCATION_KINDS,
        }


def load_pipeline_config(config_dir: Path) -> PipelineConfig:
    """Read and validate ``config_dir/pipeline.yaml``."""
    path = Path(config_dir) / "pipeline.yaml"
    data = read_yaml(path)
    r = Reader(data, str(path))
    r.mapping("")
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise r.fail("", f"unknown key {unknown[0]!r}")
    headers, required = _header_map(r)
    window_start = r.date("programme.window_start")
    window_end = r.date("programme.window_end")
    if window_end < window_start:
        raise r.fail("programme.window_end", "is before programme.window_start")
    first_period = r.text("programme.first_period")
    if len(first_period) != 7 or first_period[4] != "-":
        raise r.fail("programme.first_period", f"must be YYYY-MM, got {first_period!r}")
    age_min, age_max = r.integer("age.min", 0), r.integer("age.max", 0)
    if age_max < age_min:
        raise r.fail("age.max", f"must not be below age.min ({age_min})")
    r.text("trajectory.kind", ("linear",))
    return PipelineConfig(
        target=r.integer("programme.target", 1),
        window_start=window_start,
        window_end=window_end,
        first_period=first_period,
        intake_cutoff=r.date("programme.intake_cutoff"),
        autumn_label=r.text("programme.intake_labels.autumn"),
        spring_label=r.text("programme.intake_labels.spring"),
        counting_basis=r.text("counting.basis", ("admitted", "registered")),
        registered_statuses=r.texts("counting.registered_statuses"),
        age_min=age_min,
        age_max=age_max,
        trajectory_start=r.date("trajectory.start"),
        trajectory_end=r.date("trajectory.end"),
        projection_months=r.integer("projection.months", 1),
        lang=r.text("publication.lang", ("zh-CN", "en")),
        disclosure_dimensions=r.texts("publication.disclosure.dimensions"),
        disclosure_threshold=r.integer("publication.disclosure.threshold", 1),
        raw_clean_share_mostly=r.number("validation.raw_clean_share_mostly", 0.0, 1.0),
        required_fields=required,
        header_map=headers,
        synonyms=_synonyms(r),
        school_leaver_groups=r.texts("school_leaver_groups"),
        social_groups=r.texts("social_groups"),
        levels_by_school_type=_school_types(r),
        industries=r.texts("industries"),
        month_headers=r.texts("month_headers") if "month_headers" in data else (),
        districts=_districts(r) if "districts" in data else (),
    )


def _districts(r: Reader) -> tuple[str, ...]:
    """The districts, ordered by their administrative division codes."""
    codes = {str(k): r.integer(f"districts.{k}", 100000) for k in r.mapping("districts")}
    return tuple(sorted(codes, key=lambda d: codes[d]))


def _header_map(r: Reader) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """The header spellings per field, and the required fields (each with spellings)."""
    header_map = r.mapping("header_map")
    bad = sorted(set(header_map) - set(FIELDS))
    if bad:
        raise r.fail(f"header_map.{bad[0]}", f"is not a field (fields: {', '.join(FIELDS)})")
    headers = {f: r.texts(f"header_map.{f}") for f in header_map}
    required = r.texts("required_fields")
    for f in required:
        if f not in headers:
            raise r.fail("required_fields", f"names {f!r}, which has no entry in header_map")
    return headers, required


def _synonyms(r: Reader) -> dict[str, dict[str, tuple[str, ...]]]:
    """Accepted spellings per enumerated field: canonical value → variants."""
    synonyms: dict[str, dict[str, tuple[str, ...]]] = {}
    for field, values in r.mapping("synonyms").items():
        if field not in ENUM_FIELDS:
            raise r.fail(f"synonyms.{field}", "is not an enumerated field")
        if not isinstance(values, dict):
            raise r.fail(f"synonyms.{field}", "must map canonical values to lists of variants")
        synonyms[field] = {str(k): tuple(str(x) for x in (v or [])) for k, v in values.items()}
    return synonyms


def _school_types(r: Reader) -> dict[str, tuple[str, ...]]:
    """The levels each school type may train."""
    types = r.mapping("school_types")
    if not types:
        raise r.fail("school_types", "must map each school type to the levels it may train")
    return {str(k): r.texts(f"school_types.{k}") for k in types}


def load_salt(config_dir: Path) -> bytes:
    """The local hashing salt (16 bytes), created at ``config_dir/local/salt`` on first use.

    Created atomically: a new salt is written to a file of its own and linked into place,
    so two first runs at once end with the same salt (the second one's link fails and it
    reads the first one's).
    """
    path = Path(config_dir) / "local" / "salt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".salt-{os.getpid()}-{secrets.token_hex(4)}")
        tmp.write_text(secrets.token_hex(16) + "\n", encoding="ascii")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    text = path.read_text(encoding="ascii").strip()
    try:
        salt = bytes.fromhex(text)
    except ValueError:
        raise ConfigError(f"{path}: the salt must be 32 hexadecimal characters") from None
    if len(salt) != 16:
        raise ConfigError(f"{path}: the salt must be 32 hexadecimal characters")
    return salt
