"""Tables of the Excel annex that the bulletin itself does not print: each month's revision
by school, and the reward list (公示: school, eligible, amount).

Builders take the loaded data they show and a :class:`~pipeline.render.labels.Labels`; a
table whose data is missing is None (and left out of the annex).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.highlights import CAUSES
from pipeline.render.formats import whole
from pipeline.render.labels import Labels
from pipeline.render.table import Table, labelled_table


def revisions_by_school(frame: pd.DataFrame | None, labels: Labels) -> Table | None:
    """Each month's revision by school (``revisions_by_school.csv``): as first published
    (re-derived), now, the revision and its causes, which add up to it."""
    if frame is None:
        return None
    rows = []
    for r in frame.to_dict("records"):
        then, now = whole(r.get("then")), whole(r.get("now"))
        revision = None if then is None or now is None else now - then
        rows.append([r.get("month"), r.get("school_id"), labels.school(str(r.get("school_id"))),
                     then, now, revision, *[whole(r.get(c)) for c in CAUSES]])
    columns = ("month", "school_id", "school_name", "first_published", "current", "revision",
               *CAUSES)
    return labelled_table(labels, "revisions_by_school", columns,
                          ["code", "code", "name", "int", "int", *["signed"] * (1 + len(CAUSES))],
                          rows, note=labels.t("notes.revisions_by_school"))


def rewards_list(data: Any, labels: Labels) -> Table | None:
    """The reward list (``rewards.csv``, else the evaluator's detail): each school, whether
    it is eligible, the gates it failed and its amount in yuan, with the total."""
    frame = data.rewards_list if data.rewards_list is not None else data.rewards
    if frame is None or "reward_yuan" not in frame:
        return None
    df = frame.sort_values("school_id", kind="stable")
    rows = []
    for r in df.to_dict("records"):
        gates = [g for g in str(r.get("failed_gates") or "").split(";") if g]
        rows.append([r["school_id"], labels.school(str(r["school_id"])),
                     labels.value("是" if bool(r.get("eligible")) else "否"),
                     labels.t("list_separator").join(labels.gate(g) for g in gates),
                     whole(r.get("reward_yuan"))])
    total = [labels.t("col.total"), "", "", "", int(df["reward_yuan"].fillna(0).sum())]
    return labelled_table(labels, "rewards_list",
                          ("school_id", "school_name", "eligible", "failed_gates",
                           "reward_yuan"),
                          ["code", "name", "name", "text", "int"], rows, total=total,
                          note=labels.t("notes.rewards_list"))
