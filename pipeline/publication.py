"""``config/publication.yaml``: the office details that make the figures a document — issuing
unit, issue number, 编制/审核/签发, release date, the policy cited, and the 公示 period and
复核 route of the decision letters — validated into a frozen object.

The release date is a parameter of the publication, never the clock, so that reruns stay
byte-identical; ``auto`` means the 10th of the month after the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pipeline.yamlconf import Reader, read_yaml

KEYS = ("issuing_unit", "issuing_unit_en", "series", "series_en", "issue_number",
        "compiled_by", "reviewed_by", "approved_by", "release_date", "policy_citation",
        "policy_title", "source_note", "source_note_en", "notice_days", "review_days",
        "review_route", "review_route_en", "contact")
AUTO = "auto"
RELEASE_DAY = 10


@dataclass(frozen=True)
class Publication:
    """The validated content of ``publication.yaml``."""

    issuing_unit: str
    issuing_unit_en: str
    series: str
    series_en: str
    issue_number: int | None  # None: counted from the first period
    compiled_by: str
    reviewed_by: str
    approved_by: str
    release_date: dt.date | None  # None: the 10th of the month after the period
    policy_citation: str
    policy_title: str
    source_note: str
    source_note_en: str
    notice_days: int
    review_days: int
    review_route: str
    review_route_en: str
    contact: str

    def issue(self, first_period: str, period: str) -> int:
        """The issue number (期号) of a period's bulletin."""
        if self.issue_number is not None:
            return self.issue_number
        return (int(period[:4]) - int(first_period[:4])) * 12 + int(period[5:7]) - int(
            first_period[5:7]) + 1

    def released(self, period: str) -> dt.date:
        """The release date of a period's bulletin."""
        if self.release_date is not None:
            return self.release_date
        y, m = int(period[:4]), int(period[5:7])
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return dt.date(y, m, RELEASE_DAY)

    def notice_ends(self, period: str) -> dt.date:
        """The last day of the 公示 period (it starts on the release date)."""
        return self.released(period) + dt.timedelta(days=self.notice_days - 1)

    def review_deadline(self, period: str) -> dt.date:
        """The last day to ask for a review (复核)."""
        return self.notice_ends(period) + dt.timedelta(days=self.review_days)


def load_publication(config_dir: Path) -> Publication:
    """Read and validate ``config_dir/publication.yaml``."""
    path = Path(config_dir) / "publication.yaml"
    r = Reader(read_yaml(path), str(path))
    r.mapping("", KEYS)
    texts = {k: r.text(k) for k in KEYS if k not in (
        "issue_number", "release_date", "notice_days", "review_days")}
    issue = r.get("issue_number")
    release = r.get("release_date")
    return Publication(
        **texts,
        issue_number=None if issue == AUTO else r.integer("issue_number", 1),
        release_date=None if release == AUTO else r.date("release_date"),
        notice_days=r.integer("notice_days", 1),
        review_days=r.integer("review_days", 1),
    )
