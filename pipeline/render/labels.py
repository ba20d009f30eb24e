"""Every text of the documents in the edition's language: one :class:`Labels` per edition.

Table builders, charts, documents and workbooks receive a ``Labels`` and ask it for
messages (:mod:`pipeline.messages`, the catalogues in ``pipeline/locales``), translated data
values, school names and the labels of dimensions, expectation suites, severities, gates
and reason codes. Nothing else in :mod:`pipeline.render` holds a text of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline import messages


@dataclass(frozen=True)
class Labels:
    """Texts of one edition.

    ``lang`` is ``zh-CN`` or ``en`` (:data:`pipeline.messages.LANGS`; any other raises
    ``ConfigError``); ``names`` maps ``school_id`` to the school's name.
    """

    lang: str = "zh-CN"
    names: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        messages.catalogue(self.lang)  # an unknown language fails here, not mid-document

    @classmethod
    def for_data(cls, data: Any, lang: str) -> Labels:
        """The labels of an edition of the period in ``data`` (a ``StageData``): school names
        from its per-school table."""
        schools = data.schools
        return cls(lang, dict(zip(schools["school_id"], schools["school_name"], strict=True)))

    def t(self, key: str, **fields: object) -> str:
        """The message ``key``, formatted with ``fields`` (KeyError if it is missing)."""
        return messages.t(key, self.lang, **fields)

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

    def reason(self, code: str) -> str:
        """Plain-language text of a quarantine reason code (the code if it has none)."""
        return self.optional("reasons", code)
