"""product.users (seats provisioned over each subscription's life) and product.events."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cs_warehouse import raw_contract
from cs_warehouse.generator import arrow_columns as cols
from cs_warehouse.generator.catalog import FIRST_NAMES, LAST_NAMES
from cs_warehouse.generator.config import GeneratorConfig
from cs_warehouse.generator.lifecycle import CORE, Lifecycle, business_time_us
from cs_warehouse.generator.timeline import MICROS_PER_DAY, MICROS_PER_SECOND, NULL_TIMESTAMP

PLATFORM_SHARE = np.array([0.72, 0.12, 0.09, 0.07])  # web, ios, android, api
WEEKEND_ACTIVITY = 0.1
# Non-login events: core project-management features vs the rest, by event name.
CORE_EVENTS = ("project_created", "task_created", "task_completed", "project_completed")
CORE_EVENT_SHARE = np.array([0.10, 0.45, 0.40, 0.05])
OTHER_EVENTS = (
    "comment_added",
    "file_uploaded",
    "dashboard_viewed",
    "report_exported",
    "user_invited",
    "integration_connected",
)
OTHER_EVENT_SHARE = np.array([0.38, 0.17, 0.22, 0.12, 0.06, 0.05])
# Names older clients still send; the warehouse maps them to `other`.
UNKNOWN_EVENTS = ("legacy_sync", "sso_token_refreshed")
EVENT_LABELS = ("login",) + CORE_EVENTS + OTHER_EVENTS + UNKNOWN_EVENTS
LOGIN = 0
TASK_COMPLETED = EVENT_LABELS.index("task_completed")
PROJECT_COMPLETED = EVENT_LABELS.index("project_completed")
PROPERTY_CHOICES = {
    "project_created": ('{"template":"blank"}', '{"template":"kanban"}', '{"template":"gantt"}'),
    "task_created": ('{"view":"board"}', '{"view":"list"}', '{"view":"timeline"}'),
    "report_exported": ('{"format":"csv"}', '{"format":"pdf"}', '{"format":"xlsx"}'),
    "integration_connected": (
        '{"integration":"slack"}',
        '{"integration":"github"}',
        '{"integration":"google_drive"}',
        '{"integration":"salesforce"}',
    ),
    "file_uploaded": ('{"size_kb":"<100"}', '{"size_kb":"100-1000"}', '{"size_kb":">1000"}'),
}
DUPLICATE_SHARE = 0.005
LATE_ARRIVAL_SHARE = 0.03
UNKNOWN_NAME_SHARE = 0.0001
CLOCK_AHEAD_SHARE = 0.004


@dataclass
class Users:
    account: np.ndarray
    created_us: np.ndarray
    deactivated_us: np.ndarray
    is_admin: np.ndarray
    # Last instant (exclusive) the user can produce events: deactivation or end of service.
    active_until_us: np.ndarray
    engagement: np.ndarray
    platform: np.ndarray
    table: pa.Table

    @property
    def count(self) -> int:
        return self.account.size


def simulate_users(config: GeneratorConfig, lifecycle: Lifecycle, domains: list[str]) -> Users:
    """Seats filled by users: an admin at the start, the rest over the first weeks; more users after
    seat increases, deactivations after decreases, natural turnover, and most users switched off
    shortly after the subscription ends."""
    rng = config.rng("users")
    timeline = lifecycle.timeline
    subs, items = lifecycle.subscriptions, lifecycle.items
    utilisation = rng.uniform(0.6, 1.0, lifecycle.accounts.count)
    item_order = np.argsort(items["sub"], kind="stable")
    first_item = np.searchsorted(items["sub"][item_order], np.arange(subs["account"].size), side="left")
    last_item = np.searchsorted(items["sub"][item_order], np.arange(subs["account"].size), side="right")

    account_parts, created_parts, deactivated_parts, admin_parts, until_parts = [], [], [], [], []
    for sub in np.flatnonzero(subs["product"] == CORE):
        account = subs["account"][sub]
        start = subs["created"][sub]
        ended = subs["ended"][sub]
        service_end = ended if ended != NULL_TIMESTAMP else timeline.end_us
        versions = item_order[first_item[sub] : last_item[sub]]
        targets = np.maximum(1, np.ceil(items["quantity"][versions] * utilisation[account])).astype(np.int64)

        created = [np.array([start + 60 * MICROS_PER_SECOND])]
        admin = [np.array([True])]
        created.append(start + (rng.random(targets[0] - 1) * 21 * MICROS_PER_DAY).astype(np.int64))
        admin.append(np.zeros(targets[0] - 1, dtype=bool))
        deactivated = [np.full(targets[0], NULL_TIMESTAMP)]
        for version, previous_target, target in zip(versions[1:], targets[:-1], targets[1:], strict=True):
            changed_at = items["valid_from"][version]
            if target > previous_target:
                count = target - previous_target
                created.append(changed_at + (rng.random(count) * 7 * MICROS_PER_DAY).astype(np.int64))
                admin.append(np.zeros(count, dtype=bool))
                deactivated.append(np.full(count, NULL_TIMESTAMP))
            elif target < previous_target:
                all_deactivated = np.concatenate(deactivated)
                all_admin = np.concatenate(admin)
                candidates = np.flatnonzero((all_deactivated == NULL_TIMESTAMP) & ~all_admin)
                leaving = rng.choice(candidates, min(candidates.size, previous_target - target), replace=False)
                merged = all_deactivated.copy()
                merged[leaving] = changed_at + (rng.random(leaving.size) * 7 * MICROS_PER_DAY).astype(np.int64)
                deactivated = [merged]
                created = [np.concatenate(created)]
                admin = [all_admin]
        created_all = np.concatenate(created)
        admin_all = np.concatenate(admin)
        deactivated_all = np.concatenate(deactivated)

        # Turnover: people leave and are replaced.
        lifetime = (rng.exponential(700.0, created_all.size) * MICROS_PER_DAY).astype(np.int64)
        leaves = (~admin_all) & (deactivated_all == NULL_TIMESTAMP) & (created_all + lifetime < service_end)
        deactivated_all = np.where(leaves, created_all + lifetime, deactivated_all)
        replacements = deactivated_all[leaves] + (rng.random(int(leaves.sum())) * 14 * MICROS_PER_DAY).astype(np.int64)
        created_all = np.concatenate([created_all, replacements])
        admin_all = np.concatenate([admin_all, np.zeros(replacements.size, dtype=bool)])
        deactivated_all = np.concatenate([deactivated_all, np.full(replacements.size, NULL_TIMESTAMP)])

        # The end of service: most accounts get their users switched off within days.
        if ended != NULL_TIMESTAMP and rng.random() < 0.8:
            switch_off = ended + (rng.random(created_all.size) * 10 * MICROS_PER_DAY).astype(np.int64)
            still_active = deactivated_all == NULL_TIMESTAMP
            deactivated_all = np.where(still_active, switch_off, deactivated_all)
        # A rare trickle of usage after churn.
        usage_end = service_end
        if ended != NULL_TIMESTAMP and subs["started"][sub] != NULL_TIMESTAMP and rng.random() < 0.1:
            usage_end = ended + int(rng.integers(1, 6)) * MICROS_PER_DAY

        deactivated_all = np.where(deactivated_all >= timeline.end_us, NULL_TIMESTAMP, deactivated_all)
        exists = created_all < min(service_end, timeline.end_us)
        keep_deactivation = (deactivated_all == NULL_TIMESTAMP) | (deactivated_all > created_all)
        exists &= keep_deactivation
        until = np.where(deactivated_all == NULL_TIMESTAMP, usage_end, np.minimum(deactivated_all, usage_end))
        account_parts.append(np.full(int(exists.sum()), account))
        created_parts.append(created_all[exists])
        deactivated_parts.append(deactivated_all[exists])
        admin_parts.append(admin_all[exists])
        until_parts.append(np.minimum(until[exists], timeline.end_us))

    account = np.concatenate(account_parts) if account_parts else np.zeros(0, dtype=np.int64)
    created_us = np.concatenate(created_parts) if created_parts else np.zeros(0, dtype=np.int64)
    deactivated_us = np.concatenate(deactivated_parts) if deactivated_parts else np.zeros(0, dtype=np.int64)
    is_admin = np.concatenate(admin_parts) if admin_parts else np.zeros(0, dtype=bool)
    active_until = np.concatenate(until_parts) if until_parts else np.zeros(0, dtype=np.int64)
    count = account.size
    engagement = np.where(is_admin, rng.uniform(0.8, 1.0, count), rng.beta(2.0, 2.0, count))
    platform = rng.choice(len(PLATFORM_SHARE), count, p=PLATFORM_SHARE)

    first = rng.integers(0, len(FIRST_NAMES), count)
    last = rng.integers(0, len(LAST_NAMES), count)
    emails = [
        f"{FIRST_NAMES[f].lower()}.{LAST_NAMES[surname].lower()}.{number}@{domains[a]}"
        for f, surname, number, a in zip(first, last, range(count), account, strict=True)
    ]
    table = cols.build_table(
        raw_contract.table("users"),
        {
            "user_id": cols.sequential_ids("usr_", np.arange(1, count + 1), 7),
            "account_id": cols.sequential_ids("acc_", account + 1, 6),
            "email": cols.strings(emails),
            "role": cols.pick(raw_contract.USER_ROLES, np.where(is_admin | (rng.random(count) < 0.08), 0, 1)),
            "created_at": cols.timestamps(created_us),
            "deactivated_at": cols.timestamps(lifecycle.known(deactivated_us)),
        },
    )
    table = cols.rows_where(table, lifecycle.occurred(created_us))
    return Users(account, created_us, deactivated_us, is_admin, active_until, engagement, platform, table)


@dataclass
class EventBatch:
    """Events as numpy columns; strings are materialised only when files are written."""

    user: np.ndarray
    name: np.ndarray  # index into EVENT_LABELS
    occurred_us: np.ndarray
    received_us: np.ndarray
    platform: np.ndarray  # index into raw_contract.PLATFORMS
    properties: np.ndarray  # index into PROPERTY_LABELS, -1 = null
    number: np.ndarray  # sequence number the event_id is derived from (shared by re-deliveries)
    redelivered: np.ndarray  # the second copy of a duplicated event

    @property
    def count(self) -> int:
        return self.user.size

    def take(self, rows: np.ndarray) -> EventBatch:
        return EventBatch(*(getattr(self, name)[rows] for name in EVENT_FIELDS))

    @classmethod
    def concat(cls, batches: list[EventBatch]) -> EventBatch:
        return cls(*(np.concatenate([getattr(batch, name) for batch in batches]) for name in EVENT_FIELDS))


EVENT_FIELDS = ("user", "name", "occurred_us", "received_us", "platform", "properties", "number", "redelivered")


def _property_pool() -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """All property strings, and per event label the first index and count of its choices."""
    labels: list[str] = []
    first = np.full(len(EVENT_LABELS), -1)
    count = np.zeros(len(EVENT_LABELS), dtype=np.int64)
    for name, choices in PROPERTY_CHOICES.items():
        label = EVENT_LABELS.index(name)
        first[label] = len(labels)
        count[label] = len(choices)
        labels.extend(choices)
    return tuple(labels), first, count


PROPERTY_LABELS, _PROPERTY_FIRST, _PROPERTY_COUNT = _property_pool()
# Event name of a non-login event from a uniform draw, by lookup (fine-grained enough for shares).
_LOOKUP_BINS = 4096
_BIN_CENTRES = (np.arange(_LOOKUP_BINS) + 0.5) / _LOOKUP_BINS
_CORE_LOOKUP = (1 + np.searchsorted(np.cumsum(CORE_EVENT_SHARE), _BIN_CENTRES)).astype(np.int8)
_OTHER_LOOKUP = (1 + len(CORE_EVENTS) + np.searchsorted(np.cumsum(OTHER_EVENT_SHARE), _BIN_CENTRES)).astype(np.int8)
WINDOW_DAYS = 28


class EventSimulator:
    """Daily sessions of every user, window by window: a login, then feature events whose number
    and mix follow the account's health. Delivery adds latency, late arrivals, re-deliveries and
    a few unknown event names. Windows keep memory small whatever the scale."""

    def __init__(self, config: GeneratorConfig, lifecycle: Lifecycle, users: Users) -> None:
        self.rng = config.rng("events")
        self.timeline = lifecycle.timeline
        self.cut_day, self.cut_us = lifecycle.cut_day, lifecycle.cut_us
        self.users = users
        self.activation_us = lifecycle.activation_us
        timeline = lifecycle.timeline
        self.health = lifecycle.health
        self.weekday_factor = np.where(timeline.weekday() < 5, 1.0, WEEKEND_ACTIVITY).astype(np.float32)
        self.event_volume = np.float32(config.event_volume)
        self.first_day = timeline.day_of(users.created_us) + 1
        self.last_day = np.minimum(timeline.day_of(users.active_until_us), timeline.days)
        self.engagement = users.engagement.astype(np.float32)
        self.activation_events = self._activation_events(lifecycle)
        self.next_number = 0

    @property
    def windows(self) -> list[tuple[int, int]]:
        """Fixed windows of the history's calendar up to the one holding the end date: a window's
        events never depend on where the dataset is cut."""
        days = self.timeline.days
        return [(start, min(days, start + WINDOW_DAYS)) for start in range(0, self.cut_day, WINDOW_DAYS)]

    def _activation_events(self, lifecycle: Lifecycle) -> tuple[np.ndarray, np.ndarray]:
        """(user, instant) of the first project_completed of every account reaching it, by its admin."""
        users = self.users
        accounts = np.flatnonzero(lifecycle.activation_day >= 0)
        admins = np.flatnonzero(users.is_admin)
        order = np.argsort(users.account[admins], kind="stable")
        admin_accounts = users.account[admins][order]
        chosen_user, chosen_at = [], []
        for account in accounts:
            instant = lifecycle.activation_us[account]
            lo, hi = np.searchsorted(admin_accounts, [account, account + 1])
            candidates = admins[order[lo:hi]]
            alive = candidates[(users.created_us[candidates] < instant) & (users.active_until_us[candidates] > instant)]
            if alive.size:
                chosen_user.append(alive[0])
                chosen_at.append(instant)
        return np.array(chosen_user, dtype=np.int32), np.array(chosen_at, dtype=np.int64)

    def window(self, start_day: int, end_day: int) -> EventBatch:
        """Events occurring on local days [start_day, end_day) and received by the end date (the
        rest arrive on later days)."""
        batch = self._simulate_window(start_day, end_day)
        return batch.take(np.flatnonzero((batch.occurred_us < self.cut_us) & (batch.received_us < self.cut_us)))

    def _simulate_window(self, start_day: int, end_day: int) -> EventBatch:
        rng, timeline, users = self.rng, self.timeline, self.users
        # Per account-day of the window: chance an (engagement 1.0) user is active, expected feature
        # events per active user, share of them on core features. Only the window's days are held.
        width = end_day - start_day
        health = self.health[:, start_day:end_day]
        activity = (0.75 * health**1.5 * self.weekday_factor[start_day:end_day]).astype(np.float32).ravel()
        feature_rate = (self.event_volume * (0.3 + 1.8 * health)).astype(np.float32).ravel()
        core_share = (0.35 + 0.45 * health).astype(np.float32).ravel()
        account_cell = users.account * width - start_day

        lo = np.maximum(self.first_day, start_day)
        span = np.minimum(self.last_day, end_day) - lo
        present = np.flatnonzero(span > 0)
        span, lo = span[present], lo[present]
        row_end = np.cumsum(span, dtype=np.int64)
        # Cell (account x day of the window) of every user-day, without per-row user and day arrays.
        shift = account_cell[present] + lo - (row_end - span)
        cell = np.arange(row_end[-1] if row_end.size else 0, dtype=np.int64) + np.repeat(shift, span)
        chance = activity[cell] * np.repeat(self.engagement[present], span)
        active = np.flatnonzero(rng.random(cell.size, dtype=np.float32) < chance)
        user = present[np.searchsorted(row_end, active, side="right")].astype(np.int32)
        cell = cell[active]
        day = cell - account_cell[user]

        # A session per active user-day: a login, then feature events later that local day, all
        # from one client (mostly the user's usual one).
        per_session = 1 + rng.poisson(feature_rate[cell])
        login_at = timeline.day_start_us(day) + business_time_us(rng, user.size)
        until_midnight = (timeline.day_start_us(day + 1) - login_at).astype(np.float32)
        session_platform = np.where(rng.random(user.size, dtype=np.float32) < 0.85, users.platform[user], 0)
        event_user = np.repeat(user, per_session)
        count = event_user.size
        is_login = np.zeros(count, dtype=bool)
        is_login[np.cumsum(per_session) - per_session] = True
        spread = rng.random(count, dtype=np.float32)
        delay = spread * spread * np.float32(0.6) * np.repeat(until_midnight, per_session)
        delay[is_login] = 0
        occurred = np.repeat(login_at, per_session) + delay.astype(np.int64)

        draw = rng.random(count, dtype=np.float32)
        core = draw < np.repeat(core_share[cell], per_session)
        bins = (rng.random(count, dtype=np.float32) * _LOOKUP_BINS).astype(np.int32)
        name = np.where(core, _CORE_LOOKUP[bins], _OTHER_LOOKUP[bins])
        name[is_login] = LOGIN
        # No completed project before the account's first one (its activation).
        completed = np.flatnonzero(name == PROJECT_COMPLETED)
        activation = self.activation_us[users.account[event_user[completed]]]
        early = (activation == NULL_TIMESTAMP) | (occurred[completed] < activation)
        name[completed[early]] = TASK_COMPLETED

        activation_user, activation_at = self.activation_events
        first_us, end_us = timeline.day_start_us(start_day), timeline.day_start_us(end_day)
        in_window = (activation_at >= first_us) & (activation_at < end_us)
        event_user = np.concatenate([event_user, activation_user[in_window]])
        occurred = np.concatenate([occurred, activation_at[in_window]])
        name = np.concatenate([name, np.full(int(in_window.sum()), PROJECT_COMPLETED, dtype=np.int8)])
        platform = np.concatenate(
            [np.repeat(session_platform, per_session), users.platform[activation_user[in_window]]]
        ).astype(np.int8)
        return self._deliver(event_user, name, occurred, platform)

    def _deliver(self, user: np.ndarray, name: np.ndarray, occurred: np.ndarray, platform: np.ndarray) -> EventBatch:
        """Properties, then what delivery does: latency, late arrivals, clocks running ahead,
        unknown names from old clients and at-least-once re-deliveries. One uniform draw per event
        decides the rare cases (they exclude each other)."""
        rng = self.rng
        count = user.size
        choices = _PROPERTY_COUNT[name]
        with_properties = np.flatnonzero(choices)
        properties = np.full(count, -1, dtype=np.int8)
        properties[with_properties] = _PROPERTY_FIRST[name[with_properties]] + (
            rng.random(with_properties.size, dtype=np.float32) * choices[with_properties]
        ).astype(np.int8)

        rare = rng.random(count, dtype=np.float32)
        late = rare < LATE_ARRIVAL_SHARE
        duplicated = np.flatnonzero((rare >= LATE_ARRIVAL_SHARE) & (rare < LATE_ARRIVAL_SHARE + DUPLICATE_SHARE))
        unknown_from = LATE_ARRIVAL_SHARE + DUPLICATE_SHARE
        unknown = np.flatnonzero((rare >= unknown_from) & (rare < unknown_from + UNKNOWN_NAME_SHARE))
        unknown = unknown[(name[unknown] != LOGIN) & (name[unknown] != PROJECT_COMPLETED)]
        name[unknown] = EVENT_LABELS.index(UNKNOWN_EVENTS[0]) + rng.integers(0, len(UNKNOWN_EVENTS), unknown.size)
        properties[unknown] = -1
        ahead_from = unknown_from + UNKNOWN_NAME_SHARE
        mobile = (platform == 1) | (platform == 2)
        ahead = np.flatnonzero(mobile & (rare >= ahead_from) & (rare < ahead_from + CLOCK_AHEAD_SHARE))

        # Latency: a second or two usually; hours to days for late arrivals (offline clients,
        # batch uploads); a few seconds negative when a phone's clock runs ahead.
        latency = ((0.2 + rng.standard_exponential(count, dtype=np.float32) * 1.8) * MICROS_PER_SECOND).astype(np.int64)
        late_rows = np.flatnonzero(late)
        latency[late_rows] = (rng.lognormal(np.log(6 * 3600), 1.3, late_rows.size) * MICROS_PER_SECOND).astype(np.int64)
        latency[ahead] = -(rng.random(ahead.size) * 20 * MICROS_PER_SECOND).astype(np.int64)
        received = occurred + latency

        number = self.next_number + np.arange(count, dtype=np.int64)
        self.next_number += count
        batch = EventBatch(user, name, occurred, received, platform, properties, number, np.zeros(count, dtype=bool))
        copies = batch.take(duplicated)
        copies.redelivered[:] = True
        return EventBatch.concat([batch, copies])
