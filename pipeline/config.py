"""Configuration: `config/pipeline.yaml` read once, validated into typed values.

Every problem raises :class:`ConfigError` with one line naming the file and the key.
The hashing salt lives in the git-ignored ``config/local/salt``; a random one is created
on first use.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import ConfigError

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
    "school_types", "industries",
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


class _Reader:
    """Typed access to a nested mapping with one-line errors naming the key."""

    def __init__(self, data: Any, file: str):
        self.data = data
        self.file = file

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.file}: {key} {problem}")

    def get(self, key: str) -> Any:
        node = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise self.fail(key, "is missing")
            node = node[part]
        return node

    def integer(self, key: str, minimum: int | None = None) -> int:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be a whole number, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def number(self, key: str, low: float, high: float) -> float:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
            low <= value <= high
        ):
            raise self.fail(key, f"must be a number between {low} and {high}, got {value!r}")
        return float(value)

    def date(self, key: str) -> dt.date:
        value = self.get(key)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(key, f"must be a date YYYY-MM-DD, got {value!r}") from None

    def text(self, key: str, choices: tuple[str, ...] | None = None) -> str:
        value = self.get(key)
        if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
            raise self.fail(key, f"must be text, got {value!r}")
        value = str(value)
        if choices is not None and value not in choices:
            raise self.fail(key, f"must be one of {', '.join(choices)}, got {value!r}")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.get(key)
        if not isinstance(value, list) or not value:
            raise self.fail(key, "must be a non-empty list")
        return tuple(str(v) for v in value)


def load_pipeline_config(config_dir: Path) -> PipelineConfig:
    """Read and validate ``config_dir/pipeline.yaml``."""
    path = Path(config_dir) / "pipeline.yaml"
    name = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{name}: file not found") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise ConfigError(f"{name}: not valid YAML{line}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{name}: expected a mapping of settings")
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise ConfigError(f"{name}: unknown key {unknown[0]!r}")
    r = _Reader(data, name)

    header_map = r.get("header_map")
    if not isinstance(header_map, dict):
        raise r.fail("header_map", "must map each field to a list of headers")
    bad = sorted(set(header_map) - set(FIELDS))
    if bad:
        raise r.fail(f"header_map.{bad[0]}", f"is not a field (fields: {', '.join(FIELDS)})")
    headers = {f: r.texts(f"header_map.{f}") for f in header_map}

    required = r.texts("required_fields")
    for f in required:
        if f not in headers:
            raise r.fail("required_fields", f"names {f!r}, which has no entry in header_map")

    syn_raw = r.get("synonyms")
    if not isinstance(syn_raw, dict):
        raise r.fail("synonyms", "must map each enumerated field to its values")
    synonyms: dict[str, dict[str, tuple[str, ...]]] = {}
    for field, values in syn_raw.items():
        if field not in ENUM_FIELDS:
            raise r.fail(f"synonyms.{field}", "is not an enumerated field")
        if not isinstance(values, dict):
            raise r.fail(f"synonyms.{field}", "must map canonical values to lists of variants")
        synonyms[field] = {
            str(k): tuple(str(x) for x in (v or [])) for k, v in values.items()
        }

    types_raw = r.get("school_types")
    if not isinstance(types_raw, dict) or not types_raw:
        raise r.fail("school_types", "must map each school type to the levels it may train")
    levels_by_type = {str(k): r.texts(f"school_types.{k}") for k in types_raw}

    window_start = r.date("programme.window_start")
    window_end = r.date("programme.window_end")
    if window_end < window_start:
        raise r.fail("programme.window_end", "is before programme.window_start")
    first_period = r.text("programme.first_period")
    if len(first_period) != 7 or first_period[4] != "-":
        raise r.fail("programme.first_period", f"must be YYYY-MM, got {first_period!r}")
    age_min = r.integer("age.min", 0)
    age_max = r.integer("age.max", 0)
    if age_max < age_min:
        raise r.fail("age.max", f"must not be below age.min ({age_min})")
    trajectory_kind = r.text("trajectory.kind", ("linear",))
    del trajectory_kind

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
        synonyms=synonyms,
        school_leaver_groups=r.texts("school_leaver_groups"),
        social_groups=r.texts("social_groups"),
        levels_by_school_type=levels_by_type,
        industries=r.texts("industries"),
    )


def load_salt(config_dir: Path) -> bytes:
    """The local hashing salt (16 bytes), created at ``config_dir/local/salt`` on first use."""
    path = Path(config_dir) / "local" / "salt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(16) + "\n", encoding="ascii")
    text = path.read_text(encoding="ascii").strip()
    try:
        salt = bytes.fromhex(text)
    except ValueError:
        raise ConfigError(f"{path}: the salt must be 32 hexadecimal characters") from None
    if len(salt) != 16:
        raise ConfigError(f"{path}: the salt must be 32 hexadecimal characters")
    return salt
