"""kuozhao: enrollment-expansion monitoring for technical schools (技工院校扩招)."""

__version__ = "0.1.0"
