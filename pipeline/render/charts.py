"""The charts of the bulletin and the evaluator report (matplotlib), as PNG ``data:`` URIs.

Figures are made with ``matplotlib.figure.Figure`` and saved through the Agg canvas, never
through ``pyplot`` (no global backend switch, no figure registry: a notebook kernel that
renders keeps its own backend), with the CJK face of the document's font and without a
software stamp, so the same data give the same bytes.
"""

from __future__ import annotations

import base64
import contextlib
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.render.fonts import sc_face_name
from pipeline.render.formats import fmt_int, fmt_pct, short
from pipeline.render.labels import Labels

CHART_DPI = 150
CHART_WIDTH_IN = 6.6  # shown 16.8 cm wide in CSS: ~150 dpi on paper
PALETTE = ("#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646", "#7f7f7f")
GREY = "#a0a0a0"


@contextlib.contextmanager
def _drawing(font: Path) -> Iterator[None]:
    """The charts' matplotlib settings (the CJK face first), restored afterwards."""
    import matplotlib

    rc = {
        "font.family": [sc_face_name(font)],
        "font.size": 8.5,
        "axes.unicode_minus": False,
        "svg.hashsalt": "kuozhao",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#dddddd",
        "grid.linewidth": 0.6,
    }
    with matplotlib.rc_context(rc):
        yield


def _axes(height: float) -> tuple[Any, Any]:
    """A new figure of the chart width and ``height`` inches, and its axes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(CHART_WIDTH_IN, height))
    return fig, fig.add_subplot()


def _png(fig: Any) -> str:
    """A figure as a deterministic PNG ``data:`` URI (Agg canvas, no software stamp)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=CHART_DPI, metadata={"Software": None},
                bbox_inches="tight", pad_inches=0.08)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _thousands(axis: Any) -> None:
    """Tick labels of a count axis with thousands separators (``5,000``)."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda x, _pos: fmt_int(x)))


def _bars_look(ax: Any, labels: Labels, legend: bool = True) -> None:
    """Axis label with thousands separators, no horizontal grid lines, the legend in the
    lower right."""
    ax.set_xlabel(labels.t("charts.people"))
    _thousands(ax.xaxis)
    ax.grid(axis="y", visible=False)
    if legend:
        ax.legend(loc="lower right", frameon=False, fontsize=7.5)


def _names(frame: pd.DataFrame, labels: Labels) -> list[str]:
    """The schools' names of a frame in the edition's language, shortened for an axis."""
    return [short(labels.names.get(sid, name), 28 if labels.lang == "en" else 16)
            for sid, name in zip(frame["school_id"], frame["school_name"], strict=True)]


def progress(series: pd.DataFrame, summary: dict, labels: Labels) -> str:
    """Cumulative counted vs the target trajectory."""
    fig, ax = _axes(2.9)
    x = list(range(len(series)))
    target = float(summary.get("target", 0))
    ax.plot(x, series["target_trajectory"], color="#7f7f7f", ls="--", lw=1.4,
            label=labels.t("charts.trajectory"))
    ax.plot(x, series["counted"], color=PALETTE[0], marker="o", ms=3.5, lw=2,
            label=labels.t("charts.counted"))
    ax.axhline(target, color=PALETTE[1], lw=0.9, ls=":",
               label=labels.t("charts.target", target=fmt_int(summary.get("target"))))
    for xi, yi in zip(x, series["counted"], strict=True):
        ax.annotate(fmt_int(yi), (xi, yi), textcoords="offset points", xytext=(0, 5),
                    ha="center", fontsize=7, color=PALETTE[0])
    ax.set_xticks(x, list(series["month"]))
    ax.set_ylabel(labels.t("charts.people"))
    _thousands(ax.yaxis)
    ax.set_ylim(0, max(target, float(series["counted"].max() or 0)) * 1.12)
    # Below the axes: inside, it covered the latest months' labels.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False,
              fontsize=7.5)
    return _png(fig)


def schools(frame: pd.DataFrame, labels: Labels) -> str:
    """Each school's counted vs its quota, sorted by fulfilment rate."""
    df = frame.assign(rate=lambda d: d["counted"] / d["quota"].where(d["quota"] > 0))
    df = df.sort_values(["rate", "school_id"], ascending=[True, True], kind="stable")
    fig, ax = _axes(max(2.0, 0.24 * len(df) + 0.8))
    y = list(range(len(df)))
    ax.barh(y, df["quota"], color="#d9e2ef", label=labels.t("charts.quota"), height=0.7)
    ax.barh(y, df["counted"], color=PALETTE[0], label=labels.t("charts.counted"), height=0.45)
    for yi, (c, q, r) in enumerate(
        zip(df["counted"], df["quota"], df["rate"].fillna(0), strict=True)
    ):
        ax.text(max(c, q) * 1.01, yi, f"{fmt_int(c)} / {fmt_int(q)}  {fmt_pct(r)}",
                va="center", fontsize=7)
    ax.set_yticks(y, _names(df, labels))
    ax.set_xlim(0, float(max(df["quota"].max(), df["counted"].max())) * 1.35)
    _bars_look(ax, labels)
    return _png(fig)


def composition(breakdowns: pd.DataFrame, dim: str, colour: str, labels: Labels) -> str | None:
    """Horizontal bars of counted per category of one breakdown dimension (None if the
    dimension has no rows)."""
    part = breakdowns[breakdowns["dimension"] == dim]
    if part.empty:
        return None
    part = part.sort_values(["counted", "category"], ascending=[True, True], kind="stable")
    total = float(part["counted"].sum()) or 1.0
    fig, ax = _axes(max(1.8, 0.28 * len(part) + 0.8))
    y = list(range(len(part)))
    ax.barh(y, part["counted"], color=colour, height=0.6)
    for yi, c in zip(y, part["counted"], strict=True):
        ax.text(c + total * 0.005, yi, f"{fmt_int(c)} ({c / total * 100:.1f}%)", va="center",
                fontsize=7)
    ax.set_yticks(y, [labels.value(c) for c in part["category"]])
    ax.set_xlim(0, float(part["counted"].max()) * 1.25)
    _bars_look(ax, labels, legend=False)
    return _png(fig)


def intake(frame: pd.DataFrame, labels: Labels) -> str:
    """Autumn 2019 and spring 2020 intake per school (stacked)."""
    df = frame.sort_values("school_id", kind="stable")
    fig, ax = _axes(max(2.0, 0.24 * len(df) + 0.8))
    y = list(range(len(df)))[::-1]
    autumn, spring = df["autumn_2019"], df["spring_2020"]
    ax.barh(y, autumn, color=PALETTE[0], height=0.6, label=labels.value("2019秋季"))
    ax.barh(y, spring, left=autumn, color=PALETTE[5], height=0.6,
            label=labels.value("2020春季"))
    for yi, a, s in zip(y, autumn, spring, strict=True):
        ax.text(a + s + 5, yi, f"{fmt_int(a)} + {fmt_int(s)}", va="center", fontsize=7)
    ax.set_yticks(y, _names(df, labels))
    ax.set_xlim(0, float((autumn + spring).max()) * 1.25)
    _bars_look(ax, labels)
    return _png(fig)


def ranks(detail: pd.DataFrame, labels: Labels) -> str:
    """Each school's rank range over the sensitivity combinations (best–worst, base rank dot)."""
    df = detail.sort_values(["rank", "school_id"], kind="stable")
    n = len(df)
    height = max(2.0, 0.34 * n + 0.9)
    fig, ax = _axes(height)
    y = list(range(n))[::-1]
    for yi, r in zip(y, df.itertuples(index=False), strict=True):
        colour = PALETTE[0] if bool(r.eligible) else GREY
        ax.plot([r.rank_best, r.rank_worst], [yi, yi], color=colour, lw=5, alpha=0.35,
                solid_capstyle="round")
        ax.plot([r.rank], [yi], "o", color=colour, ms=6)
        label = f"{int(r.rank_best)}–{int(r.rank_worst)}"
        if bool(r.tier_changes):
            label += "  " + labels.t("charts.tier_flip")
        ax.text(n + 0.6, yi, label, va="center", fontsize=7)
    ax.set_yticks(y, _names(df, labels))
    ax.set_xlim(0.5, n + 2.8)
    ax.set_xticks(range(1, n + 1))
    ax.set_xlabel(labels.t("charts.rank_axis"))
    ax.grid(axis="y", visible=False)
    ax.plot([], [], "o", color=PALETTE[0], label=labels.t("charts.eligible"))
    ax.plot([], [], "o", color=GREY, label=labels.t("charts.ineligible"))
    below = -0.55 / height  # just under the axis label, whatever the figure's height
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, below), ncol=2, frameon=False,
              fontsize=7.5)
    return _png(fig)


def bulletin_charts(
    data: Any, labels: Labels, sensitive: Sequence[str], font: Path
) -> list[dict[str, str]]:
    """All charts of the bulletin (``data`` is a ``StageData``) as ``{"key", "title", "src",
    "alt"}``, numbered (图1, 图2, …) in the order the bulletin prints them; no composition
    chart of a sensitive dimension."""
    makers = [
        ("progress", lambda: progress(data.series, data.summary, labels)),
        ("schools", lambda: schools(data.schools, labels)),
        ("intake", lambda: intake(data.schools, labels)),
        *[
            (dim, lambda dim=dim, colour=colour: composition(data.breakdowns, dim, colour,
                                                              labels))
            for dim, colour in (("target_group", PALETTE[2]), ("industry", PALETTE[3]))
            if dim not in sensitive
        ],
    ]
    out = []
    with _drawing(font):
        for key, make in makers:
            src = make()
            if src:
                title = labels.t("charts.numbered", n=len(out) + 1,
                                 title=labels.t(f"charts.{key}_title"))
                out.append({"key": key, "title": title, "src": src, "alt": title})
    return out


def rank_chart(detail: pd.DataFrame, labels: Labels, font: Path) -> str:
    """The evaluator report's rank-range chart."""
    with _drawing(font):
        return ranks(detail, labels)
