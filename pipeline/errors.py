"""Typed errors: the CLI turns each into one line and a non-zero exit code."""

from __future__ import annotations


class KuozhaoError(Exception):
    """Base class of every error a user can cause and fix."""

    exit_code = 2


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
