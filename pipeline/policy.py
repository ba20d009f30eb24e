"""``config/rewards.yaml``: the reward policy (以奖代补, DESIGN §5), validated into frozen typed
values with the one error style of the configuration (:mod:`pipeline.yamlconf`): every key
is required and no other key is accepted, so a typo fails the run with one line naming it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pipeline.yamlconf import Reader, fmt, read_yaml, show

ALLOCATIONS = ("proportional", "tiered")


@dataclass(frozen=True)
class Gates:
    """Eligibility thresholds; comparisons are inclusive."""

    fulfilment_min: float
    data_quality_min: float
    withdrawal_max: float


@dataclass(frozen=True)
class Weights:
    """Weights of the three components in the score; they sum to 1."""

    speed: float
    expansion: float
    quality: float


@dataclass(frozen=True)
class ExpansionRule:
    """``expansion = fulfilment × min(fulfilment, cap) / cap + social × social_share``."""

    fulfilment: float
    social: float
    fulfilment_cap: float


@dataclass(frozen=True)
class QualityRule:
    """Relative weights of the weighted mean that makes ``quality``."""

    retention: float
    priority_share: float
    data_quality: float


@dataclass(frozen=True)
class Tier:
    """A score band: schools with ``score >= min_score`` (and below the band above) are in it."""

    tier: int
    min_score: float
    weight: float


@dataclass(frozen=True)
class RewardPolicy:
    """Everything in ``config/rewards.yaml``, validated and typed."""

    gates: Gates
    weights: Weights
    expansion: ExpansionRule
    quality: QualityRule
    tiers: tuple[Tier, ...]
    pool_yuan: int
    allocation: str
    sensitivity_factors: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the policy in the shape of ``rewards.yaml`` (for ``rewards_meta.json``)."""
        return {
            "gates": asdict(self.gates),
            "weights": asdict(self.weights),
            "expansion": asdict(self.expansion),
            "quality": asdict(self.quality),
            "tiers": [asdict(t) for t in self.tiers],
            "pool_yuan": self.pool_yuan,
            "allocation": self.allocation,
            "sensitivity": {"factors": list(self.sensitivity_factors)},
        }


_SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "gates": ("fulfilment_min", "data_quality_min", "withdrawal_max"),
    "weights": ("speed", "expansion", "quality"),
    "expansion": ("fulfilment", "social", "fulfilment_cap"),
    "quality": ("retention", "priority_share", "data_quality"),
}
_TOP_KEYS = (*_SECTION_KEYS, "tiers", "pool_yuan", "allocation", "sensitivity")
_TIER_KEYS = ("tier", "min_score", "weight")


def policy_from_mapping(data: Any, source: str = "rewards.yaml") -> RewardPolicy:
    """Validate a parsed ``rewards.yaml`` document into a :class:`RewardPolicy`.

    ``source`` names the file in error messages. Raises :class:`ConfigError` (one line naming
    the key) on any unknown, missing or ill-typed key or out-of-range value.
    """
    r = Reader(data, source)
    top = r.mapping("", _TOP_KEYS)
    sections = {name: r.mapping(name, keys, top[name]) for name, keys in _SECTION_KEYS.items()}
    gates = {k: r.number(f"gates.{k}", 0.0, 1.0, value=v) for k, v in sections["gates"].items()}
    weights = {k: r.number(f"weights.{k}", 0.0, 1.0, value=v)
               for k, v in sections["weights"].items()}
    r.sums_to_one("weights", weights)
    exp_raw = sections["expansion"]
    expansion = {k: r.number(f"expansion.{k}", 0.0, 1.0, value=exp_raw[k])
                 for k in ("fulfilment", "social")}
    r.sums_to_one("expansion.fulfilment and expansion.social", expansion)
    expansion["fulfilment_cap"] = r.number("expansion.fulfilment_cap", 0.0, low_open=True,
                                           value=exp_raw["fulfilment_cap"])
    quality = {k: r.number(f"quality.{k}", 0.0, value=v) for k, v in sections["quality"].items()}
    if sum(quality.values()) <= 0:
        raise r.fail("", "quality weights must not all be 0")
    return RewardPolicy(
        gates=Gates(**gates), weights=Weights(**weights), expansion=ExpansionRule(**expansion),
        quality=QualityRule(**quality), tiers=_tiers(r, top["tiers"]),
        pool_yuan=_pool(r, top["pool_yuan"]), allocation=_allocation(r, top["allocation"]),
        sensitivity_factors=_factors(r, top["sensitivity"]),
    )


def _pool(r: Reader, pool: Any) -> int:
    if isinstance(pool, bool) or not isinstance(pool, int) or pool <= 0:
        raise r.fail("", f"pool_yuan must be a positive whole number of yuan, got {show(pool)}")
    return int(pool)


def _allocation(r: Reader, allocation: Any) -> str:
    if allocation not in ALLOCATIONS:
        raise r.fail("", f"allocation must be one of {', '.join(ALLOCATIONS)}, "
                         f"got {show(allocation)}")
    return str(allocation)


def _factors(r: Reader, value: Any) -> tuple[float, ...]:
    factors = r.mapping("sensitivity", ("factors",), value)["factors"]
    if not isinstance(factors, list) or not factors:
        raise r.fail("", "sensitivity.factors must be a non-empty list of numbers, "
                         f"got {show(factors)}")
    return tuple(r.number(f"sensitivity.factors[{i}]", 0.0, low_open=True, value=f)
                 for i, f in enumerate(factors))


def _tiers(r: Reader, value: Any) -> tuple[Tier, ...]:
    """Validate the ``tiers`` list: distinct labels, strictly falling min_score ending at 0."""
    if not isinstance(value, list) or not value:
        raise r.fail("", f"tiers must be a non-empty list of tiers, got {show(value)}")
    tiers: list[Tier] = []
    for i, item in enumerate(value):
        key = f"tiers[{i}]"
        raw = r.mapping(key, _TIER_KEYS, item)
        label = raw["tier"]
        if isinstance(label, bool) or not isinstance(label, int) or label <= 0:
            raise r.fail("", f"{key}.tier must be a positive whole number, got {show(label)}")
        tier = Tier(tier=label,
                    min_score=r.number(f"{key}.min_score", 0.0, 1.0, value=raw["min_score"]),
                    weight=r.number(f"{key}.weight", 0.0, value=raw["weight"]))
        if tiers and tier.min_score >= tiers[-1].min_score:
            raise r.fail("", f"{key}.min_score must be below the tier above it "
                             f"({fmt(tiers[-1].min_score)}), got {fmt(tier.min_score)}")
        if any(t.tier == label for t in tiers):
            raise r.fail("", f"{key}.tier {label} appears twice")
        tiers.append(tier)
    if tiers[-1].min_score != 0:
        raise r.fail("", f"tiers[{len(tiers) - 1}].min_score must be 0 so that every score "
                         f"has a tier, got {fmt(tiers[-1].min_score)}")
    return tuple(tiers)


def load_reward_policy(path: Path) -> RewardPolicy:
    """Read and validate ``rewards.yaml`` (errors name the file by its name, e.g.
    ``rewards.yaml: weights.speed must be a number between 0 and 1, got 'abc'``)."""
    path = Path(path)
    return policy_from_mapping(read_yaml(path, path.name), path.name)
