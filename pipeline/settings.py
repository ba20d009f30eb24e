"""The configuration of a run, read once: where it comes from and what it holds.

``kuozhao run`` reads the folder given with ``--config``; without it, ``./config`` when the
current folder has one, else the configuration shipped with the package
(:func:`pipeline.resources.default_config_dir`), so that ``kuozhao run --raw … --reference …``
works from any folder. The hashing salt lives beside the user's configuration
(``<config>/local/salt``); with the shipped configuration, in the processed folder
(``<processed>/local/salt``), never inside the installed package.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline import resources
from pipeline.config import PipelineConfig, load_pipeline_config, load_salt
from pipeline.policy import RewardPolicy, load_reward_policy
from pipeline.publication import Publication, load_publication

LOCAL_CONFIG = Path("config")
# The files of a configuration folder.
CONFIG_FILES = ("pipeline.yaml", "rewards.yaml", "publication.yaml")


def config_dir_for(given: Path | None) -> Path:
    """The configuration folder a run uses (see the module notes)."""
    if given is not None:
        return Path(given)
    if (LOCAL_CONFIG / "pipeline.yaml").is_file():
        return LOCAL_CONFIG
    return resources.default_config_dir()


def salt_dir_for(config_dir: Path, processed_dir: Path) -> Path:
    """The folder whose ``local/salt`` holds the hashing salt: the configuration folder,
    unless it is the one shipped with the package (then the processed folder)."""
    shipped = resources.default_config_dir().resolve()
    return Path(processed_dir) if Path(config_dir).resolve() == shipped else Path(config_dir)


@dataclass(frozen=True)
class Settings:
    """Both configuration files, validated into typed values."""

    pipeline: PipelineConfig
    policy: RewardPolicy
    publication: Publication


def load_settings(config_dir: Path) -> Settings:
    """Read and validate ``pipeline.yaml``, ``rewards.yaml`` and ``publication.yaml`` of a
    configuration folder."""
    return Settings(
        pipeline=load_pipeline_config(config_dir),
        policy=load_reward_policy(Path(config_dir) / "rewards.yaml"),
        publication=load_publication(config_dir),
    )


def salt(config_dir: Path, processed_dir: Path) -> bytes:
    """The run's hashing salt (created on first use)."""
    return load_salt(salt_dir_for(config_dir, processed_dir))
