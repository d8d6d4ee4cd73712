"""Scale presets: how big a simulated world is.

A scale is the only knob besides the seed. ``small`` feeds the unit tests and
``make dev`` so it must stay fast; ``long`` is few users over 150 days, so every
window a KPI has is reached and still quick to build (30-day drop-offs, retention
12 weeks after a first top-up, complete 28- and 30-day windows: the truth tests'
second world); ``medium`` is sized for ingest benchmarks; ``large`` is a year at
~30k top-ups a day, to prove the writer scales (parallel, bounded per file).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Scale:
    name: str
    start: date
    days: int  # report window (all four domains exported)
    prelude_days: int  # history before the window: top-ups only, exported as old/legacy files
    users_before: int  # registered before the prelude starts
    users_new: int  # registered during prelude + window
    streamers: int  # one channel each
    agencies: int
    active_rate: float  # mean daily probability that a registered, retained user is active
    topups_per_active: float  # mean orders per active user-day (before payer selection)
    spike_day: int  # window day index of the agency take-rate spike (>= 7 earlier days)


SCALES: dict[str, Scale] = {
    "small": Scale(
        name="small",
        start=date(2025, 3, 1),
        days=14,
        prelude_days=14,
        users_before=1200,
        users_new=800,
        streamers=36,
        agencies=4,
        active_rate=0.32,
        topups_per_active=0.8,
        spike_day=10,
    ),
    "long": Scale(
        name="long",
        start=date(2025, 3, 1),
        days=150,
        prelude_days=14,
        users_before=300,
        users_new=200,
        streamers=12,
        agencies=3,
        active_rate=0.32,
        topups_per_active=0.8,
        spike_day=100,  # 28 full earlier days: the spike's z-score has its whole window
    ),
    "medium": Scale(
        name="medium",
        start=date(2025, 3, 1),
        days=90,
        prelude_days=14,
        users_before=6500,
        users_new=3500,
        streamers=120,
        agencies=6,
        active_rate=0.38,
        topups_per_active=2.9,
        spike_day=60,
    ),
    "large": Scale(
        name="large",
        start=date(2025, 3, 1),
        days=365,
        prelude_days=14,
        users_before=40000,
        users_new=35000,
        streamers=400,
        agencies=8,
        active_rate=0.45,
        topups_per_active=4.0,
        spike_day=200,
    ),
}


def get_scale(name: str) -> Scale:
    """Return the preset called ``name``; unknown names fail loudly with the choices."""
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; choose one of {sorted(SCALES)}") from None
