"""The simulated calendar: local days of the reporting timezone mapped to UTC microseconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

MICROS_PER_SECOND = 1_000_000
MICROS_PER_HOUR = 3600 * MICROS_PER_SECOND
MICROS_PER_DAY = 24 * MICROS_PER_HOUR
# Marks a null timestamp in int64 arrays before they become Arrow arrays.
NULL_TIMESTAMP = np.iinfo(np.int64).min

_EPOCH = datetime(1970, 1, 1)


def add_calendar_months(first_of_month: date, months: int) -> date:
    """The 1st of the month `months` after (or before, if negative) the month of first_of_month."""
    month_index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(month_index // 12, month_index % 12 + 1, 1)


def month_end(day: date) -> date:
    return add_calendar_months(day.replace(day=1), 1) - timedelta(days=1)


@dataclass(frozen=True)
class Timeline:
    """Days 0..days-1 are consecutive local calendar days from `start_date` to `end_date`.

    Day d spans [start_us + d * MICROS_PER_DAY, start_us + (d + 1) * MICROS_PER_DAY) in UTC
    microseconds; `end_us` is the end of `end_date`, after which nothing may occur.
    """

    start_date: date
    end_date: date
    timezone: str
    start_us: int

    @classmethod
    def for_range(cls, start_date: date, end_date: date, timezone: str) -> Timeline:
        zone = ZoneInfo(timezone)
        start_local = datetime.combine(start_date, time(), zone)
        day_count = (end_date - start_date).days + 2
        offsets = {(start_local + timedelta(days=day)).utcoffset() for day in range(day_count)}
        if len(offsets) > 1:
            # Day arithmetic below assumes 24-hour days (true for zones without DST, e.g. Asia/Tokyo).
            raise ValueError(f"timezone {timezone} changes its UTC offset inside the window")
        start_utc = start_local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
        start_us = (start_utc - _EPOCH) // timedelta(microseconds=1)
        return cls(start_date, end_date, timezone, start_us)

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def end_us(self) -> int:
        return self.start_us + self.days * MICROS_PER_DAY

    def day_start_us(self, day: np.ndarray | int) -> np.ndarray | int:
        return self.start_us + np.asarray(day, dtype=np.int64) * MICROS_PER_DAY

    def day_of(self, instant_us: np.ndarray) -> np.ndarray:
        """Local day index of UTC instants (may fall outside 0..days-1)."""
        return np.floor_divide(np.asarray(instant_us, dtype=np.int64) - self.start_us, MICROS_PER_DAY)

    def weekday(self) -> np.ndarray:
        """Weekday (0 = Monday) of every local day."""
        return (np.arange(self.days) + self.start_date.weekday()) % 7


def add_months(instant_us: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Calendar-month arithmetic on UTC instants, clamping the day to the month's length.

    Billing periods use it: a period starting Jan 31 renews Feb 28 (or 29), then Mar 31.
    """
    instant_us = np.asarray(instant_us, dtype=np.int64)
    stamps = instant_us.astype("datetime64[us]")
    day_start = stamps.astype("datetime64[D]")
    time_of_day = instant_us - day_start.astype("datetime64[us]").astype(np.int64)
    month = day_start.astype("datetime64[M]")
    day_of_month = (day_start - month.astype("datetime64[D]")).astype(np.int64)
    target_month = month + np.asarray(months, dtype=np.int64)
    month_length = ((target_month + 1).astype("datetime64[D]") - target_month.astype("datetime64[D]")).astype(np.int64)
    target_day = target_month.astype("datetime64[D]") + np.minimum(day_of_month, month_length - 1)
    return target_day.astype("datetime64[us]").astype(np.int64) + time_of_day
