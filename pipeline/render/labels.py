"""Every text of the documents in the edition's language: one :class:`Labels` per edition.

Table builders, charts, documents and workbooks receive a ``Labels`` and ask it for
messages (:mod:`pipeline.messages`, the catalogues in ``pipeline/locales``), translated data
values, school names and the labels of dimensions, expectation suites, severities, gates
and reason codes. Nothing else in :mod:`pipeline.render` holds a text of its own.

Reason-code texts (``reasons.<CODE>``) live only in the locale files; a text that names the
programme window has the placeholders ``{window_start}`` and ``{window_end}``, filled from
data (the period's summary, or the configuration in stage 01), never written into a text.

A message can choose a word by a number: ``{n:check|checks}`` gives ``check`` when ``n`` is
1 and ``checks`` otherwise (``n`` a number or its formatted text), so that the English
edition says "1 check" and "2 checks" where the Chinese one needs no plural.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline import messages
from pipeline.errors import InputError


class _PluralFormatter(string.Formatter):
    """``str.format`` with one addition: a format spec ``one|other`` picks a word by
    whether the field is 1."""

    def format_field(self, value: Any, format_spec: str) -> str:
        """The field formatted, or the word its number calls for."""
        if "|" in format_spec:
            one, other = format_spec.split("|", 1)
            return one if str(value).replace(",", "").strip() in ("1", "1.0") else other
        return super().format_field(value, format_spec)


_FORMATTER = _PluralFormatter()


@dataclass(frozen=True)
class Labels:
    """Texts of one edition.

    ``lang`` is ``zh-CN`` or ``en`` (:data:`pipeline.messages.LANGS`; any other raises
    ``ConfigError``); ``names`` maps ``school_id`` to the school's name in the edition's
    language; ``window`` is the
    programme window (first and last admission date that count, ISO dates or dates), which
    reason texts and the method section name.
    """

    lang: str = "zh-CN"
    names: Mapping[str, str] = field(default_factory=dict)
    window: tuple[str | dt.date, str | dt.date] | None = None

    def __post_init__(self) -> None:
        messages.catalogue(self.lang)  # an unknown language fails here, not mid-document

    @classmethod
    def for_data(cls, data: Any, lang: str) -> Labels:
        """The labels of an edition of the period in ``data`` (a ``StageData``): school names
        from its per-school table, in English from its ``names_en`` where it has one."""
        schools, summary = data.schools, data.summary
        names = dict(zip(schools["school_id"], schools["school_name"], strict=True))
        if lang == "en":
            english = getattr(data, "names_en", None) or {}
            names = {sid: english.get(sid) or name for sid, name in names.items()}
        start, end = summary.get("window_start"), summary.get("window_end")
        return cls(lang, names, (str(start), str(end)) if start and end else None)

    def t(self, key: str, **fields: object) -> str:
        """The message ``key``, formatted with ``fields`` (KeyError if it is missing); a
        ``{n:one|other}`` field gives the word for the number ``n``."""
        text = messages.catalogue(self.lang)[key]
        return _FORMATTER.format(text, **fields) if fields else text

    def has(self, key: str) -> bool:
        """Whether the catalogue defines ``key``."""
        return messages.has(key, self.lang)

    def value(self, val: object) -> str:
        """A data value (school type, district, target group…) in this language; values the
        catalogue does not know (names from submissions) pass through."""
        return messages.value(val, self.lang)

    def headers(self, prefix: str, names: Iterable[str]) -> list[str]:
        """The messages ``prefix.name`` of several column names."""
        return [self.t(f"{prefix}.{name}") for name in names]

    def optional(self, prefix: str, val: object) -> str:
        """The message ``prefix.val`` when the catalogue has it, else the value as text."""
        key = f"{prefix}.{val}"
        return self.t(key) if self.has(key) else str(val or "")

    def school(self, school_id: str) -> str:
        """A school's name by id (the unknown-school label for an empty id)."""
        if not school_id:
            return self.t("dq.unknown_school")
        return self.names.get(school_id, school_id)

    def dimension(self, dim: str) -> str:
        """Label of a breakdown dimension."""
        return self.optional("dims", dim)

    def suite(self, suite: str) -> str:
        """Label of an expectation suite."""
        return self.optional("suites", suite)

    def severity(self, severity: str) -> str:
        """Label of an expectation's severity (critical, warning, info)."""
        return self.optional("severity", severity)

    def gate(self, gate: str) -> str:
        """Label of a reward gate (fulfilment, data_quality, withdrawal)."""
        return self.t(f"rw.gate.{gate}")

    def date(self, day: str | dt.date) -> str:
        """A date as the edition writes it in a sentence (``2019年9月1日``, ``2019-09-01``)."""
        d = dt.date.fromisoformat(str(day)[:10])
        return self.t("common.date", year=d.year, month=d.month, day=d.day, iso=d.isoformat())

    def window_dates(self) -> dict[str, str]:
        """``window_start`` and ``window_end`` as ISO dates (InputError without a window)."""
        if self.window is None:
            raise InputError("the programme window is unknown (summary.json has no "
                             "window_start/window_end: run stage 03 again)")
        start, end = (dt.date.fromisoformat(str(d)[:10]).isoformat() for d in self.window)
        return {"window_start": start, "window_end": end}

    def reason(self, code: str) -> str:
        """Plain-language text of a quarantine reason code (the code if it has none), the
        programme window filled in where the text names it."""
        key = f"reasons.{code}"
        if not self.has(key):
            return str(code or "")
        text = messages.catalogue(self.lang)[key]
        if not any(name for _, name, _, _ in string.Formatter().parse(text)):
            return text  # no placeholder: used as it is
        dates = {k: self.date(v) for k, v in self.window_dates().items()}
        return text.format(**dates)

    def reason_texts(self) -> dict[str, str]:
        """The text of every reason code the catalogue knows, by code."""
        codes = [k.split(".", 1)[1] for k in messages.catalogue(self.lang) if
                 k.startswith("reasons.")]
        return {code: self.reason(code) for code in codes}
