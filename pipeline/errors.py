"""Typed errors: the CLI turns each into one line and a non-zero exit code.

An error a user can cause carries a message *key* and its fields: its text is looked up in the
message catalogue (``errors.<key>`` in ``pipeline/locales/<lang>/errors.yaml``) in the
language of the run (:func:`pipeline.messages.current`), so that a refusal speaks the user's
language. A field may be a :class:`Localized` value (one text per language). Errors built from
a plain message (``InputError("…")``) show it as it is.
"""

from __future__ import annotations

from typing import Any


class Localized(dict):
    """One text per language (``{"zh-CN": …, "en": …}``), chosen when a message is shown."""

    def pick(self, lang: str) -> str:
        """The text in ``lang`` (else Chinese, else any)."""
        return self.get(lang) or self.get("zh-CN") or next(iter(self.values()), "")


class KuozhaoError(Exception):
    """Base class of every error a user can cause and fix."""

    exit_code = 2

    def __init__(self, message: str = "", *, key: str | None = None, **fields: Any):
        super().__init__(message)
        self.key = key
        self.fields = fields

    def text(self, lang: str | None = None) -> str:
        """The message in ``lang`` (default: the run's language), on one line."""
        if self.key is None:
            return " ".join(str(self.args[0] if self.args else "").split())
        from pipeline import messages

        lang = lang or messages.current()
        values = {k: v.pick(lang) if isinstance(v, Localized) else v
                  for k, v in self.fields.items()}
        return " ".join(messages.t(f"errors.{self.key}", lang, **values).split())

    def __str__(self) -> str:
        return self.text()


class InputError(KuozhaoError):
    """An input file or folder is missing, unreadable or not usable."""


class ConfigError(KuozhaoError):
    """A configuration file has a wrong key or value."""


class ValidationFailed(KuozhaoError):
    """A critical expectation failed: the period is not published."""

    exit_code = 3


class StageFailed(KuozhaoError):
    """A pipeline stage failed while running its notebook."""

    exit_code = 4
