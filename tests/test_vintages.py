"""The figures "as first published" are the prefix of the folders cleaned again: the fast
path (`clean_as_published`) must give exactly what `resolve` gives on each prefix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.clean import Lookups, prepare
from pipeline.config import load_pipeline_config
from pipeline.context import StageContext
from pipeline.dedup import clean_as_published, resolve, superseding_folder
from pipeline.ingest import HeaderMap, Reader, SchoolNames, ingest_all
from pipeline.stages import clean_rules, load_reference, months
from pipeline.tools.sample import write_sample

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    data = tmp_path_factory.mktemp("sample")
    write_sample(data, seed=11, rows=3000)
    cfg = load_pipeline_config(ROOT / "config")
    ctx = StageContext.from_params("2020-04", data / "raw", data / "reference", ROOT / "config",
                                   data / "processed", data / "out")
    schools, majors = load_reference(ctx, cfg)
    lookups = Lookups.build(schools, majors, cfg.enumerations, cfg.synonyms)
    reader = Reader(HeaderMap(cfg.header_map, cfg.required_fields), SchoolNames(schools))
    raw, _, _ = ingest_all(ctx.raw_dir, ctx.period, reader)
    return prepare(raw, lookups, clean_rules(cfg), bytes(16)), cfg


@pytest.mark.slow
def test_fast_vintages_equal_resolving_each_prefix(prepared):
    prep, cfg = prepared
    nxt = superseding_folder(prep)
    checked = 0
    for month in months(cfg.first_period, "2020-04"):
        prefix = prep[(prep["folder"] <= month).to_numpy()]
        oracle = resolve(prefix, cfg.registered_statuses)["state"].to_numpy() == "clean"
        fast = clean_as_published(prep, nxt, month, cfg.registered_statuses)
        assert fast[len(prefix):].sum() == 0  # later folders are not there yet
        assert np.array_equal(fast[: len(prefix)], oracle), month
        checked += int(oracle.sum())
    assert checked > 1000
