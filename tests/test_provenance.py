"""The reproducibility block of the reward documents: combined digests an auditor can check
with sha256sum, the published tables, the code commit."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest

from pipeline import io, provenance


def test_a_combined_digest_is_sha256sum_of_sha256sum(tmp_path):
    for name, text in (("b.csv", "2\n"), ("a.json", "{}\n")):
        (tmp_path / name).write_text(text, encoding="utf-8")
    lines = "".join(f"{io.sha256(tmp_path / n)}  {n}\n" for n in ("a.json", "b.csv"))
    expected = hashlib.sha256(lines.encode()).hexdigest()
    pairs = [(n, io.sha256(tmp_path / n)) for n in ("b.csv", "a.json")]  # any order
    assert provenance.digest(pairs) == expected
    if shutil.which("sha256sum"):
        shell = subprocess.run("sha256sum a.json b.csv | sha256sum", shell=True,
                               cwd=tmp_path, capture_output=True, text=True, check=True)
        assert shell.stdout.split()[0] == expected


def test_the_published_tables_are_what_stages_01_to_04_write():
    assert "rewards.csv" in provenance.PUBLISHED_TABLES
    assert "summary.json" in provenance.PUBLISHED_TABLES
    for later in ("bulletin.html", "bulletin.pdf", "tables.xlsx"):
        assert later not in provenance.PUBLISHED_TABLES
    assert list(provenance.PUBLISHED_TABLES) == sorted(provenance.PUBLISHED_TABLES)


def test_reproducibility_block(tmp_path):
    public = tmp_path / "public"
    public.mkdir()
    (public / "rewards.csv").write_text("x\n", encoding="utf-8")
    (public / "bulletin.pdf").write_bytes(b"%PDF-")  # written later: not in the digest
    policy = tmp_path / "rewards.yaml"
    policy.write_text("pool_yuan: 1\n", encoding="utf-8")
    inputs = [{"file": "raw/2019-09/a.csv", "sha256": "1" * 64}]
    got = provenance.reproducibility("run1", policy, inputs, public)
    assert got["published_files"] == ["rewards.csv"]
    assert got["published_sha256"] == provenance.digest(
        [("rewards.csv", io.sha256(public / "rewards.csv"))])
    assert got["inputs_sha256"] == provenance.digest([("raw/2019-09/a.csv", "1" * 64)])
    assert got["policy_sha256"] == io.sha256(policy) and got["policy_file"] == "rewards.yaml"
    assert got["run_id"] == "run1" and got["inputs_count"] == 1


def test_code_commit_pinned_from_git_or_unknown(monkeypatch):
    monkeypatch.setenv(provenance.COMMIT_VARIABLE, "pinned")
    assert provenance.code_commit() == "pinned"
    monkeypatch.delenv(provenance.COMMIT_VARIABLE)
    got = provenance.code_commit()
    assert got == "unknown" or len(got) == 40

    def broken(*args, **kwargs):
        raise subprocess.CalledProcessError(128, "git")

    monkeypatch.setattr(provenance.subprocess, "run", broken)
    assert provenance.code_commit() == "unknown"


@pytest.mark.parametrize("error", [FileNotFoundError, subprocess.TimeoutExpired])
def test_no_git_is_unknown(monkeypatch, error):
    monkeypatch.delenv(provenance.COMMIT_VARIABLE, raising=False)

    def missing(*args, **kwargs):
        raise error("git", 10) if error is subprocess.TimeoutExpired else error("git")

    monkeypatch.setattr(provenance.subprocess, "run", missing)
    assert provenance.code_commit() == "unknown"
