"""The message catalogue: every label of the published outputs, per language.

Catalogues live in ``pipeline/locales/<lang>.yaml`` and ``pipeline/locales/<lang>/*.yaml``
(one file per domain, merged) as nested maps; keys are addressed with dots
(``bulletin.title``). ``t(key, lang, **fields)`` formats a message with ``str.format``.
Data values (school types, target groups, reason codes…) are translated with ``value()``,
which falls back to the value itself, so Chinese names from submissions pass through.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from pipeline.errors import ConfigError

LOCALES_DIR = Path(__file__).parent / "locales"
LANGS = ("zh-CN", "en")


def _flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    """Nested maps to ``{"a.b.c": text}``."""
    flat: dict[str, str] = {}
    for key, val in tree.items():
        name = f"{prefix}{key}"
        if isinstance(val, dict):
            flat.update(_flatten(val, name + "."))
        else:
            flat[name] = "" if val is None else str(val)
    return flat


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All messages of one language, flattened (cached; read-only by convention)."""
    if lang not in LANGS:
        raise ConfigError(f"lang {lang!r}: expected one of {', '.join(LANGS)}")
    flat: dict[str, str] = {}
    for path in [LOCALES_DIR / f"{lang}.yaml", *sorted((LOCALES_DIR / lang).glob("*.yaml"))]:
        if path.is_file():
            with path.open(encoding="utf-8") as fh:
                flat.update(_flatten(yaml.safe_load(fh) or {}))
    return flat


_CURRENT = {"lang": "zh-CN"}


def use(lang: str) -> None:
    """Make ``lang`` the language of messages shown from now on (the run's edition)."""
    if lang not in LANGS:
        raise ConfigError(f"lang {lang!r}: expected one of {', '.join(LANGS)}")
    _CURRENT["lang"] = lang


def current() -> str:
    """The language messages are shown in (``zh-CN`` unless :func:`use` said otherwise)."""
    return _CURRENT["lang"]


def t(key: str, lang: str = "zh-CN", /, **fields: object) -> str:
    """The message ``key`` in ``lang``, formatted with ``fields``; KeyError if it is missing."""
    text = catalogue(lang)[key]
    return text.format(**fields) if fields else text


def has(key: str, lang: str = "zh-CN") -> bool:
    """Whether the catalogue of ``lang`` defines ``key``."""
    return key in catalogue(lang)


def value(val: object, lang: str = "zh-CN") -> str:
    """A data value in ``lang``: ``values.<val>`` when the catalogue has it, else ``val`` itself."""
    text = "" if val is None else str(val)
    return catalogue(lang).get(f"values.{text}", text)
