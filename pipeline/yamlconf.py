"""One way to read a configuration file: YAML into plain values, checked key by key, with
one error style — ``<file>: <key> <what is wrong>, got <value>`` — raised as
:class:`~pipeline.errors.ConfigError` (one line, no traceback at the command line).

``config.py`` (``pipeline.yaml``) and ``policy.py`` (``rewards.yaml``) turn what this module
reads into frozen typed objects.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import ConfigError


def read_yaml(path: Path, name: str | None = None) -> Any:
    """A YAML file's content; ConfigError when it is missing, unreadable or not YAML.
    ``name`` is how the file is named in messages (default: its path as given)."""
    name = name or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{name}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{name}: cannot be read ({type(exc).__name__})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        raise ConfigError(f"{name}: not valid YAML{where}"
                          + (f" ({problem})" if problem else "")) from None


def fmt(x: float) -> str:
    """A number as a person writes it in YAML (``1`` rather than ``1.0``)."""
    return repr(float(x)).removesuffix(".0") if float(x).is_integer() else repr(float(x))


def show(value: Any) -> str:
    """A value as it appears in a message (shortened)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Reader:
    """Typed access to a parsed YAML document; every problem is one ConfigError naming the
    file and the dotted key."""

    def __init__(self, data: Any, file: str):
        self.data = data
        self.file = file

    def fail(self, key: str, problem: str) -> ConfigError:
        """The error for ``key`` (``key`` empty: the file as a whole)."""
        text = f"{key} {problem}" if key else problem
        return ConfigError(f"{self.file}: {' '.join(text.split())}")

    def get(self, key: str, node: Any = None) -> Any:
        """The value at a dotted key (``programme.target``)."""
        node = self.data if node is None else node
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise self.fail(key, "is missing")
            node = node[part]
        return node

    def mapping(self, key: str, keys: Sequence[str] | None = None,
                value: Any = None) -> dict[str, Any]:
        """A mapping at ``key`` (or ``value``); with ``keys``, exactly those keys."""
        value = self.get(key) if value is None and key else (value if key else self.data)
        if not isinstance(value, Mapping):
            what = "must be" if key else "the file must be"
            expected = f"a mapping of {', '.join(keys)}" if keys else "a mapping"
            raise self.fail(key, f"{what} {expected}, got {show(value)}")
        if keys is not None:
            where = f"{key}." if key else ""
            for name in value:
                if name not in keys:
                    raise self.fail("", f"unknown key {where}{name} "
                                        f"(expected one of {', '.join(keys)})")
            for name in keys:
                if name not in value:
                    raise self.fail("", f"missing key {where}{name}")
        return dict(value)

    def integer(self, key: str, minimum: int | None = None, value: Any = None) -> int:
        """A whole number (not a boolean), at least ``minimum``."""
        value = self.get(key) if value is None else value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be a whole number, got {show(value)}")
        if minimum is not None and value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def number(self, key: str, low: float | None = None, high: float | None = None, *,
               low_open: bool = False, value: Any = None) -> float:
        """A finite real number (not a boolean) within the bounds given."""
        value = self.get(key) if value is None else value
        ok = (isinstance(value, int | float) and not isinstance(value, bool)
              and math.isfinite(value)
              and (low is None or (value > low if low_open else value >= low))
              and (high is None or value <= high))
        if not ok:
            if low is not None and high is not None:
                rule = f"a number between {fmt(low)} and {fmt(high)}"
            elif low is not None:
                rule = f"a number {'>' if low_open else '>='} {fmt(low)}"
            else:
                rule = "a number"
            raise self.fail(key, f"must be {rule}, got {show(value)}")
        return float(value)

    def date(self, key: str) -> dt.date:
        """A date written YYYY-MM-DD."""
        value = self.get(key)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(key, f"must be a date YYYY-MM-DD, got {show(value)}") from None

    def text(self, key: str, choices: Sequence[str] | None = None) -> str:
        """Non-empty text (a number is read as its digits), one of ``choices`` when given."""
        value = self.get(key)
        if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
            raise self.fail(key, f"must be text, got {show(value)}")
        value = str(value)
        if choices is not None and value not in choices:
            raise self.fail(key, f"must be one of {', '.join(choices)}, got {show(value)}")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        """A non-empty list of texts."""
        value = self.get(key)
        if not isinstance(value, list) or not value:
            raise self.fail(key, "must be a non-empty list")
        return tuple(str(v) for v in value)

    def sums_to_one(self, key: str, values: Mapping[str, float]) -> None:
        """Check that weights sum to 1 (within 1e-9)."""
        total = sum(values.values())
        if abs(total - 1.0) > 1e-9:
            terms = " + ".join(f"{k} {fmt(v)}" for k, v in values.items())
            raise self.fail(key, f"must sum to 1, got {fmt(total)} ({terms})")
