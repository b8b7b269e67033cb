"""Parameters of one demo dataset and the random streams derived from them.

A demo dataset is a cut of one simulated history. The history is fixed by the seed, the scale
(accounts, months, event volume) and its start date: it is simulated on a calendar that runs from
the start to a horizon HISTORY_EXTENSION_MONTHS past its nominal window, whatever the end date.
The end date only cuts it: rows that occurred (and events received) by the end of that local day
are emitted, and rows that change later show their state as known then. So the data ending D+1 is
the data ending D plus what one more day brought, the way a real feed grows.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from cs_warehouse.generator.timeline import Timeline, add_calendar_months, month_end

REPORTING_TIMEZONE = "Asia/Tokyo"
# How far past its nominal window (`months` calendar months from its start) a history is simulated:
# the days a demo feed can keep growing, one run a day, before a new history must start.
HISTORY_EXTENSION_MONTHS = 12


def yesterday_in(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date() - timedelta(days=1)


def window_start(end_date: date, months: int) -> date:
    """Start of a new history of `months` calendar months ending with end_date's month."""
    if months < 1:
        raise ValueError("months must be at least 1")
    return add_calendar_months(end_date.replace(day=1), -(months - 1))


@dataclass(frozen=True)
class GeneratorConfig:
    accounts: int = 2000
    months: int = 24
    end_date: date = date(2026, 10, 31)
    seed: int = 7
    # Multiplies the number of non-login events per active user-day (1.0 = the calibrated demo).
    event_volume: float = 1.0
    timezone: str = REPORTING_TIMEZONE
    # First day of the history; None starts a new one `months` calendar months before end_date.
    start_date: date | None = None

    def __post_init__(self) -> None:
        if self.accounts < 1:
            raise ValueError("accounts must be at least 1")
        if self.event_volume < 0:
            raise ValueError("event_volume must not be negative")
        if self.months < 1:
            raise ValueError("months must be at least 1")
        if self.end_date < self.start:
            raise ValueError(f"end_date {self.end_date} is before the history's start_date {self.start}")
        if self.end_date > self.horizon_end:
            raise ValueError(
                f"end_date {self.end_date} is past {self.horizon_end}, the last day the demo history "
                f"starting {self.start} simulates: start a new history (no start_date)"
            )

    @property
    def start(self) -> date:
        return self.start_date or window_start(self.end_date, self.months)

    @property
    def nominal_end(self) -> date:
        """Last day of the nominal window: `accounts` sign up within it."""
        return month_end(add_calendar_months(self.start, self.months - 1))

    @property
    def horizon_end(self) -> date:
        return month_end(add_calendar_months(self.start, self.months + HISTORY_EXTENSION_MONTHS - 1))

    @property
    def timeline(self) -> Timeline:
        """The simulation calendar: from the start to the horizon, independent of end_date."""
        return Timeline.for_range(self.start, self.horizon_end, self.timezone)

    @property
    def nominal_days(self) -> int:
        return (self.nominal_end - self.start).days + 1

    @property
    def cut_day(self) -> int:
        """Index of the first simulated day after end_date."""
        return (self.end_date - self.start).days + 1

    def rng(self, stream: str) -> np.random.Generator:
        """An independent random stream per named part, so changing one part leaves the others intact."""
        return np.random.default_rng([self.seed, zlib.crc32(stream.encode())])

    def history(self) -> dict:
        """What identifies the simulated history (everything but the end date)."""
        return {
            "accounts": self.accounts,
            "months": self.months,
            "seed": self.seed,
            "event_volume": self.event_volume,
            "timezone": self.timezone,
            "start_date": self.start.isoformat(),
        }

    def as_dict(self) -> dict:
        values = asdict(self)
        values["end_date"] = self.end_date.isoformat()
        values["start_date"] = self.start.isoformat()
        return values
