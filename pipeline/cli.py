"""Command line: ``kuozhao sample | run | template | rewards | bench`` (also ``python -m
pipeline``)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from pipeline.errors import KuozhaoError
from pipeline.memory import prefer_jemalloc


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)  # noqa: T201 - the CLI's progress output


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="kuozhao",
        description="Enrollment-expansion monitoring (技工院校扩招): clean, validate, count, "
                    "reward, report.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    s = sub.add_parser("sample", help="write synthetic reference tables and raw submissions")
    s.add_argument("--out", type=Path, default=Path("data"),
                   help="folder that receives reference/ and raw/ (default: data)")
    s.add_argument("--seed", type=int, default=20190901, help="random seed (default 20190901)")
    s.add_argument("--rows", type=int, default=6000,
                   help="approximate number of raw record rows (default 6000)")

    r = sub.add_parser("run", help="run every stage for a period and publish its reports")
    g = r.add_mutually_exclusive_group()
    g.add_argument("--period", help="YYYY-MM (default: the latest folder under --raw)")
    g.add_argument("--all", action="store_true", help="run every period found under --raw")
    r.add_argument("--raw", type=Path, default=Path("data/raw"))
    r.add_argument("--reference", type=Path, default=Path("data/reference"))
    r.add_argument("--config", type=Path, default=None,
                   help="configuration folder (default: ./config if there is one, else the "
                        "configuration shipped with kuozhao)")
    r.add_argument("--processed", type=Path, default=Path("data/processed"))
    r.add_argument("--out", type=Path, default=Path("reports"))
    r.add_argument("--lang", choices=("zh-CN", "en"), default=None,
                   help="edition (default from config/pipeline.yaml)")
    r.add_argument("--skip-unreadable", action="store_true",
                   help="list unreadable files in the reconciliation and bulletin instead of "
                        "stopping")

    t = sub.add_parser("template", help="write the submission template of every school")
    t.add_argument("--reference", type=Path, default=Path("data/reference"))
    t.add_argument("--config", type=Path, default=None,
                   help="configuration folder (default: ./config if there is one, else the "
                        "configuration shipped with kuozhao)")
    t.add_argument("--out", type=Path, required=True,
                   help="folder that receives one <school_id>.xlsx per school")

    _rewards_parser(sub)

    b = sub.add_parser("bench", help="time reading and the stages on N synthetic rows")
    b.add_argument("--rows", type=int, default=1_000_000)
    b.add_argument("--seed", type=int, default=20190901)
    b.add_argument("--keep", type=Path, default=None,
                   help="folder to keep the generated data in (default: a temporary folder)")
    b.add_argument("--overhead", action="store_true",
                   help="first measure the fixed overhead of kuozhao run on a small sample")
    b.add_argument("--long-cell", action="store_true",
                   help="also time a month with a 10,000-character cell against a short one")
    return parser


def _rewards_parser(sub: argparse._SubParsersAction) -> None:
    """The ``rewards`` subcommand: a what-if for the evaluation committee."""
    w = sub.add_parser("rewards", help="what-if: a period's rewards under another policy file, "
                                       "from its processed data, beside the decision")
    w.add_argument("--period", required=True, help="YYYY-MM (a period already run)")
    w.add_argument("--policy", type=Path, required=True,
                   help="the alternative policy, a file in the shape of config/rewards.yaml")
    w.add_argument("--out", type=Path, default=None,
                   help="folder for whatif.csv and whatif.pdf (default: "
                        "reports/<period>/internal/whatif/<policy file stem>)")
    w.add_argument("--processed", type=Path, default=Path("data/processed"))
    w.add_argument("--lang", choices=("zh-CN", "en"), default=None,
                   help="language of the PDF and of the messages (default zh-CN)")


def _edition(args: argparse.Namespace) -> str:
    """The language of the run's messages: ``--lang``, else the configuration's, else
    Chinese (a configuration that cannot be read yet is refused in Chinese)."""
    if getattr(args, "lang", None):
        return args.lang
    if args.command == "run":
        from pipeline.settings import config_dir_for, load_settings

        try:
            return load_settings(config_dir_for(args.config)).pipeline.lang
        except KuozhaoError:
            return "zh-CN"
    return "zh-CN"


def _sample(args: argparse.Namespace) -> None:
    from pipeline.tools.sample import write_sample

    summary = write_sample(args.out, seed=args.seed, rows=args.rows)
    _say(f"synthetic sample written to {args.out} ({summary})")


def _run(args: argparse.Namespace) -> None:
    from pipeline.ingest import periods_in
    from pipeline.run import run_period

    periods = periods_in(args.raw) if args.all else [args.period]
    for period in periods:
        out = run_period(period, args.raw, args.reference, args.config, args.processed,
                         args.out, lang=args.lang, skip_unreadable=args.skip_unreadable,
                         progress=_say)
        _say(f"published {out}")


def _bench(args: argparse.Namespace) -> None:
    from pipeline.tools.bench import bench, long_cell, overhead

    if args.overhead:
        print(overhead(progress=_say), flush=True)  # noqa: T201 - a result line
    if args.long_cell:
        print(long_cell(progress=_say), flush=True)  # noqa: T201 - a result line
    line = bench(args.rows, seed=args.seed, keep=args.keep, progress=_say)
    print(line, flush=True)  # noqa: T201 - the bench's result line


def _template(args: argparse.Namespace) -> None:
    from pipeline import io
    from pipeline.settings import config_dir_for, load_settings
    from pipeline.template import write_templates

    cfg = load_settings(config_dir_for(args.config)).pipeline
    schools = io.read_schools(args.reference, tuple(cfg.levels_by_school_type), cfg.target)
    majors = io.read_majors(args.reference, cfg.industries)
    written = write_templates(schools, majors, cfg, args.out)
    _say(f"{len(written)} templates written to {args.out}")


def _rewards(args: argparse.Namespace) -> None:
    from pipeline import messages
    from pipeline.context import PERIOD_RE
    from pipeline.errors import InputError
    from pipeline.whatif import default_out, run_whatif

    if not PERIOD_RE.match(args.period):
        raise InputError(f"period {args.period!r}: expected YYYY-MM")
    out = args.out or default_out(Path("reports"), args.period, args.policy)
    lang = messages.current()
    run_whatif(args.period, args.policy, args.processed, out, lang=lang)
    _say(messages.t("whatif.written", lang, folder=out))


COMMANDS = {"sample": _sample, "run": _run, "template": _template, "rewards": _rewards,
            "bench": _bench}


def _quiet_logs() -> None:
    """One line per message; GE's and Jupyter's chatter kept out of the user's way."""
    logging.basicConfig(level=logging.WARNING, format="kuozhao: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.INFO)  # step timings (debug) only reach the bench's lines
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    # papermill's client of a kernel kuozhao started is closed by the garbage collector,
    # which jupyter_client reports as a warning; the kernel itself is shut down by kuozhao.
    logging.getLogger("traitlets").setLevel(logging.ERROR)


def main(argv: list[str] | None = None) -> int:
    """Entry point; user errors end with one line, in the run's language, and a non-zero
    exit code."""
    from pipeline import messages

    args = build_parser().parse_args(argv)
    prefer_jemalloc()
    _quiet_logs()
    lang = _edition(args)
    messages.use(lang)
    try:
        COMMANDS[args.command](args)
    except KuozhaoError as exc:
        _say(f"kuozhao: {exc.text(lang)}")
        return exc.exit_code
    except KeyboardInterrupt:
        _say("kuozhao: " + messages.t("warnings.interrupted", lang))
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
