"""Parameters of one demo dataset and the random streams derived from them."""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from cs_warehouse.generator.timeline import Timeline

REPORTING_TIMEZONE = "Asia/Tokyo"


def yesterday_in(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date() - timedelta(days=1)


@dataclass(frozen=True)
class GeneratorConfig:
    accounts: int = 2000
    months: int = 24
    end_date: date = date(2026, 10, 31)
    seed: int = 7
    # Multiplies the number of non-login events per active user-day (1.0 = the calibrated demo).
    event_volume: float = 1.0
    timezone: str = REPORTING_TIMEZONE

    def __post_init__(self) -> None:
        if self.accounts < 1:
            raise ValueError("accounts must be at least 1")
        if self.event_volume < 0:
            raise ValueError("event_volume must not be negative")

    @property
    def timeline(self) -> Timeline:
        return Timeline.for_window(self.end_date, self.months, self.timezone)

    def rng(self, stream: str) -> np.random.Generator:
        """An independent random stream per named part, so changing one part leaves the others intact."""
        return np.random.default_rng([self.seed, zlib.crc32(stream.encode())])

    def as_dict(self) -> dict:
        values = asdict(self)
        values["end_date"] = self.end_date.isoformat()
        return values
