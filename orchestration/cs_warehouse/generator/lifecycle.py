"""The customer lifecycle simulation every table is derived from.

Each account has a latent fit (channel, landing-page arm, size) and a daily health that drifts
(mean-reverting random walk), rises once the account reaches its first completed project and sinks
when onboarding stalls past 90 days. A day-by-day loop over all accounts at once (numpy vectors)
decides trials and conversions, seat and tier changes, promotional discounts, add-on cross-sells,
churn (hazard driven by health and activation) and reactivations, and writes subscriptions and
item versions to a ledger. Usage of churners then fades over the weeks before they cancel; the
resulting effective health drives events, tickets, surveys and CS activities.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from cs_warehouse.generator.catalog import CSM_COUNT, MISALLOCATING_CSMS, SALES_COUNT
from cs_warehouse.generator.config import GeneratorConfig
from cs_warehouse.generator.timeline import MICROS_PER_DAY, MICROS_PER_HOUR, NULL_TIMESTAMP, Timeline
from cs_warehouse.raw_contract import ACQUISITION_CHANNELS, CANCEL_REASONS, PRODUCT_IDS

TECH_TOUCH, LOW_TOUCH, HIGH_TOUCH = 0, 1, 2
# Product lines and acquisition channels as indexes into the contract's value lists.
CORE = PRODUCT_IDS.index("core")
CHANNELS = ACQUISITION_CHANNELS
ADD_ONS = (PRODUCT_IDS.index("analytics_addon"), PRODUCT_IDS.index("integrations_addon"))
CHANNEL_SHARE = np.array([0.26, 0.22, 0.14, 0.12, 0.10, 0.16])
CHANNEL_FIT = np.array([0.0, -0.15, 0.35, 0.2, 0.05, -0.2])
# Probability that a channel brings a high- / low-touch sized customer.
CHANNEL_SIZE = np.array(
    [
        [0.02, 0.22],
        [0.02, 0.20],
        [0.06, 0.27],
        [0.10, 0.30],
        [0.08, 0.30],
        [0.13, 0.30],
    ]
)
# Self-serve channels run the landing-page A/B test; arm B converts more but fits worse.
AB_TEST_CHANNELS = (CHANNELS.index("organic_search"), CHANNELS.index("paid_search"))
VARIANT_B_SHARE = 0.56
VARIANT_B_FIT = -0.7
VARIANT_B_TRIAL_CONVERSION = 1.3

# Cancel reasons as indexes into raw_contract.CANCEL_REASONS; weights in its order.
TRIAL_EXPIRY_REASONS = [CANCEL_REASONS.index(name) for name in ("too_expensive", "hard_to_use", "no_longer_needed")]
ADD_ON_CANCEL_REASONS = [
    CANCEL_REASONS.index(name) for name in ("too_expensive", "missing_features", "no_longer_needed")
]
REASONS_WHEN_STALLED = np.array([0.10, 0.15, 0.40, 0.05, 0.25, 0.05])
REASONS_WHEN_ABRUPT = np.array([0.45, 0.05, 0.0, 0.50, 0.0, 0.0])
REASONS_WHEN_FADING = np.array([0.22, 0.28, 0.12, 0.10, 0.22, 0.06])

_EPOCH = datetime(1970, 1, 1)
FOUNDING_SHARE = 0.12
TRIAL_DAYS = 14
ACTIVATION_WINDOW_DAYS = 90
# Monthly churn hazard of an average-health, activated, tech-touch monthly customer.
BASE_MONTHLY_CHURN = 0.028
STALLED_CHURN_FACTOR = 4.0
SEGMENT_CHURN_FACTOR = np.array([1.0, 0.7, 0.45])
# Yearly customers decide in the 60 days before renewal; the factor keeps a similar yearly rate.
YEARLY_DECISION_DAYS = 60
HEALTH_PERSISTENCE = 0.985
HEALTH_STEP = 0.07
ACTIVATION_LIFT = 0.7
STALL_PENALTY = 0.8
# Large accounts their CSM rarely reaches drift lower.
NEGLECT_PENALTY = 0.25
SILENT_CHURN_SHARE = 0.8
FADE_FLOOR = 0.08


def sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-values))


def business_time_us(rng: np.random.Generator, size: int | tuple) -> np.ndarray:
    """Offsets into a local day, mostly office hours (09:00-19:00), a few in the evening."""
    hours = np.where(rng.random(size) < 0.85, rng.uniform(9, 19, size), rng.uniform(6, 23.5, size))
    return (hours * MICROS_PER_HOUR).astype(np.int64)


@dataclass
class Accounts:
    """Per-account attributes fixed at sign-up."""

    created_us: np.ndarray
    onboarding_day: np.ndarray  # local day of the first subscription; >= days: prospect only
    size_class: np.ndarray
    is_usd: np.ndarray
    prefers_yearly: np.ndarray
    channel: np.ndarray
    variant: np.ndarray  # -1 none, 0 = A, 1 = B
    fit: np.ndarray
    starts_with_trial: np.ndarray
    kickoff_day: np.ndarray  # -1: no kickoff meeting
    activation_delay: np.ndarray  # days after onboarding to the first completed project; -1 never
    csm: np.ndarray  # index into the CSM list, -1 unassigned
    sales_rep: np.ndarray
    neglected: np.ndarray  # high-touch accounts the CSMs rarely reach

    @property
    def count(self) -> int:
        return self.created_us.size


@dataclass
class Ledger:
    """Subscriptions and subscription item versions, appended while the simulation runs."""

    sub_account: list[int] = field(default_factory=list)
    sub_product: list[int] = field(default_factory=list)
    sub_yearly: list[bool] = field(default_factory=list)
    sub_usd: list[bool] = field(default_factory=list)
    sub_created: list[int] = field(default_factory=list)
    sub_trial_end: list[int] = field(default_factory=list)
    sub_started: list[int] = field(default_factory=list)
    sub_canceled: list[int] = field(default_factory=list)
    sub_ended: list[int] = field(default_factory=list)
    sub_reason: list[int] = field(default_factory=list)
    item_sub: list[int] = field(default_factory=list)
    item_tier: list[int] = field(default_factory=list)
    item_quantity: list[int] = field(default_factory=list)
    item_discount: list[int] = field(default_factory=list)  # discount_pct in hundredths
    item_from: list[int] = field(default_factory=list)
    item_to: list[int] = field(default_factory=list)
    sub_last_item: list[int] = field(default_factory=list)

    def open_subscription(
        self, account: int, product: int, yearly: bool, usd: bool, created: int, trial_end: int
    ) -> int:
        self.sub_account.append(account)
        self.sub_product.append(product)
        self.sub_yearly.append(yearly)
        self.sub_usd.append(usd)
        self.sub_created.append(created)
        self.sub_trial_end.append(trial_end)
        self.sub_started.append(created if trial_end == NULL_TIMESTAMP else NULL_TIMESTAMP)
        self.sub_canceled.append(NULL_TIMESTAMP)
        self.sub_ended.append(NULL_TIMESTAMP)
        self.sub_reason.append(-1)
        self.sub_last_item.append(-1)
        return len(self.sub_account) - 1

    def set_version(self, sub: int, tier: int, quantity: int, discount: int, at_us: int) -> None:
        """Close the current item version of `sub` at `at_us` and open the next one there."""
        previous = self.sub_last_item[sub]
        if previous >= 0:
            self.item_to[previous] = at_us
        self.item_sub.append(sub)
        self.item_tier.append(tier)
        self.item_quantity.append(quantity)
        self.item_discount.append(discount)
        self.item_from.append(at_us)
        self.item_to.append(NULL_TIMESTAMP)
        self.sub_last_item[sub] = len(self.item_sub) - 1

    def latest_change(self, sub: int) -> int:
        """When the subscription's current item version started."""
        return self.item_from[self.sub_last_item[sub]]

    def current_version(self, sub: int) -> tuple[int, int, int]:
        item = self.sub_last_item[sub]
        return self.item_tier[item], self.item_quantity[item], self.item_discount[item]

    def end_subscription(self, sub: int, canceled: int, ended: int, reason: int, close_item: bool) -> None:
        self.sub_canceled[sub] = canceled
        self.sub_ended[sub] = ended
        self.sub_reason[sub] = reason
        if close_item:
            self.item_to[self.sub_last_item[sub]] = ended


@dataclass
class Lifecycle:
    """The simulated history up to its horizon, and where the dataset cuts it (end_date's end)."""

    timeline: Timeline
    cut_day: int  # first simulated day after the end date
    accounts: Accounts
    subscriptions: dict[str, np.ndarray]
    items: dict[str, np.ndarray]
    health: np.ndarray  # accounts x days, effective health in (0, 1) after churn fades
    activation_day: np.ndarray  # local day of the first completed project, -1 never
    activation_us: np.ndarray
    upsell_proposals: tuple[np.ndarray, np.ndarray]  # (account, day) before expansions

    @property
    def cut_us(self) -> int:
        """End of the end date: rows occurring from here on are not in the dataset yet."""
        return int(self.timeline.day_start_us(self.cut_day))

    def known(self, instants_us: np.ndarray) -> np.ndarray:
        """Instants as known at the end date: later ones are still null."""
        instants_us = np.asarray(instants_us, dtype=np.int64)
        return np.where(instants_us < self.cut_us, instants_us, NULL_TIMESTAMP)

    def occurred(self, instants_us: np.ndarray) -> np.ndarray:
        """Rows with these instants (non-null) that occurred by the end date."""
        instants_us = np.asarray(instants_us, dtype=np.int64)
        return (instants_us != NULL_TIMESTAMP) & (instants_us < self.cut_us)


def _sign_up_days(config: GeneratorConfig, timeline: Timeline) -> np.ndarray:
    """Local sign-up day of every account of the history, in order.

    `accounts` sign up in the nominal window: a founding base in the first month, then sign-ups
    growing linearly (density 1 + x on x in [0, 1], drawn by inverting its distribution function).
    After it, until the horizon, they keep coming at the rate the window ended with."""
    rng = config.rng("accounts")
    n, nominal_days = config.accounts, config.nominal_days
    founding = rng.random(n) < FOUNDING_SHARE
    growth = np.sqrt(1.0 + 3.0 * rng.random(n)) - 1.0
    in_window = np.where(
        founding, rng.integers(0, min(30, nominal_days), n), np.minimum(growth * nominal_days, nominal_days - 1)
    )
    extension_days = timeline.days - nominal_days
    # Density 2 (the window's final rate) over extension_days / nominal_days more window lengths.
    later_count = int(round(n * (1 - FOUNDING_SHARE) * 2 * extension_days / nominal_days / 1.5))
    later = nominal_days + rng.random(later_count) * extension_days
    return np.sort(np.concatenate([in_window, later]).astype(np.int64))


def _draw_accounts(config: GeneratorConfig, timeline: Timeline) -> Accounts:
    rng = config.rng("account_attributes")
    created_day = _sign_up_days(config, timeline)
    n = created_day.size
    created_us = timeline.day_start_us(created_day) + business_time_us(rng, n)

    channel = rng.choice(len(CHANNELS), n, p=CHANNEL_SHARE)
    in_test = np.isin(channel, AB_TEST_CHANNELS)
    variant = np.where(in_test, (rng.random(n) < VARIANT_B_SHARE).astype(np.int64), -1)
    size_draw = rng.random(n)
    size_class = np.where(
        size_draw < CHANNEL_SIZE[channel, 0],
        HIGH_TOUCH,
        np.where(size_draw < CHANNEL_SIZE[channel].sum(axis=1), LOW_TOUCH, TECH_TOUCH),
    )
    fit = rng.normal(0.0, 0.55, n) + CHANNEL_FIT[channel] + np.where(variant == 1, VARIANT_B_FIT, 0.0)
    fit += np.array([0.0, 0.1, 0.2])[size_class]

    starts_with_trial = rng.random(n) < np.array([0.75, 0.4, 0.1])[size_class]
    # Self-serve trials start the day of sign-up; sales-led deals take days to weeks to close.
    onboarding_lag = np.where(starts_with_trial, 0, rng.integers(2, 22, n))
    onboarding_day = created_day + onboarding_lag

    kickoff_probability = np.array([0.55, 0.85, 0.95])[size_class]
    has_kickoff = rng.random(n) < kickoff_probability
    kickoff_lag = np.minimum(np.round(rng.gamma(2.0, 5.0, n)), 45).astype(np.int64) + 1
    kickoff_day = np.where(has_kickoff, onboarding_day + kickoff_lag, -1)

    # First completed project: likelier with a kickoff and a good fit. Those who miss the 90 days
    # sometimes get there later, most never do.
    activation_probability = sigmoid(0.5 + 1.4 * fit + np.where(has_kickoff, 0.9, -0.3))
    activated_in_window = rng.random(n) < activation_probability
    early_delay = np.minimum(np.round(rng.gamma(2.0, 14.0, n)), ACTIVATION_WINDOW_DAYS - 1).astype(np.int64) + 1
    late_delay = ACTIVATION_WINDOW_DAYS + np.round(rng.exponential(90.0, n)).astype(np.int64)
    activates_late = rng.random(n) < 0.35
    activation_delay = np.where(activated_in_window, early_delay, np.where(activates_late, late_delay, -1))

    # Every high-touch and most low-touch accounts have a CSM; a pool of tech-touch accounts is
    # carried by the first CSMs, who spend their calls there while their own large accounts wait.
    assigned = np.where(
        size_class == HIGH_TOUCH,
        True,
        np.where(size_class == LOW_TOUCH, rng.random(n) < 0.92, rng.random(n) < 0.25),
    )
    csm_pick = np.where(size_class == TECH_TOUCH, rng.integers(0, MISALLOCATING_CSMS, n), rng.integers(0, CSM_COUNT, n))
    csm = np.where(assigned, csm_pick, -1)
    neglected = (size_class == HIGH_TOUCH) & ((csm < MISALLOCATING_CSMS) | (rng.random(n) < 0.1))
    return Accounts(
        created_us=created_us,
        onboarding_day=onboarding_day,
        size_class=size_class,
        is_usd=rng.random(n) < 0.2,
        prefers_yearly=rng.random(n) < np.array([0.15, 0.3, 0.55])[size_class],
        channel=channel,
        variant=variant,
        fit=fit,
        starts_with_trial=starts_with_trial,
        kickoff_day=kickoff_day,
        activation_delay=activation_delay,
        csm=csm,
        sales_rep=rng.integers(0, SALES_COUNT, n),
        neglected=neglected,
    )


def _initial_plan(rng: np.random.Generator, size_class: int) -> tuple[int, int]:
    """(tier_rank, seats) of a new core subscription."""
    if size_class == TECH_TOUCH:
        return (1 if rng.random() < 0.6 else 2), int(min(1 + rng.geometric(0.2), 15))
    if size_class == LOW_TOUCH:
        return (2, int(rng.integers(20, 61))) if rng.random() < 0.5 else (3, int(rng.integers(20, 46)))
    if rng.random() < 0.7:
        return 4, int(min(40 + rng.lognormal(3.2, 0.6), 300))
    return 3, int(rng.integers(100, 251))


def _initial_discount(rng: np.random.Generator) -> tuple[int, int]:
    """(discount in hundredths of a percent, days until a promotional discount ends or -1)."""
    draw = rng.random()
    if draw < 0.70:
        return 0, -1
    if draw < 0.92:
        discount = int(rng.choice([5, 10, 15, 20])) * 100
    elif draw < 0.985:
        discount = 3000
    else:
        # Free pilot months (100% off) that turn into a paying subscription.
        return 10000, int(rng.integers(30, 120))
    return discount, int(rng.integers(90, 366)) if rng.random() < 0.5 else -1


def _add_months(instant: datetime, months: int) -> datetime:
    """Scalar twin of timeline.add_months (same clamping), for the simulation loop."""
    month_index = instant.year * 12 + instant.month - 1 + months
    year, month = divmod(month_index, 12)
    day = min(instant.day, calendar.monthrange(year, month + 1)[1])
    return instant.replace(year=year, month=month + 1, day=day)


def next_boundary(anchor_us: int, interval_months: int, after_us: int) -> int:
    """First billing-period boundary of a subscription anchored at anchor_us strictly after after_us."""
    anchor = _EPOCH + timedelta(microseconds=int(anchor_us))
    after = _EPOCH + timedelta(microseconds=int(after_us))
    periods = max(0, ((after.year - anchor.year) * 12 + after.month - anchor.month) // interval_months - 1)
    while True:
        boundary = _add_months(anchor, periods * interval_months)
        if boundary > after:
            return (boundary - _EPOCH) // timedelta(microseconds=1)
        periods += 1


def simulate(config: GeneratorConfig) -> Lifecycle:
    timeline = config.timeline
    accounts = _draw_accounts(config, timeline)
    rng = config.rng("lifecycle")
    n, days = accounts.count, timeline.days
    ledger = Ledger()

    # status: 0 not yet a customer, 1 trial, 2 paying, 3 churned (may come back), 4 gone
    status = np.zeros(n, dtype=np.int8)
    core_sub = np.full(n, -1)
    addon_sub = np.full((n, 2), -1)
    promo_end_day = np.full((n, 3), -1)
    pending_end_day = np.full(n, -1)
    renewal_us = np.full(n, np.iinfo(np.int64).max)
    core_yearly = np.zeros(n, dtype=bool)
    core_started_us = np.full(n, NULL_TIMESTAMP)
    reactivate_day = np.full(n, -1)
    activation_day = np.full(n, -1)
    reaches_activation = accounts.activation_delay >= 0
    activation_target = np.where(reaches_activation, accounts.onboarding_day + accounts.activation_delay, -1)
    health = np.empty((n, days), dtype=np.float32)
    drift = rng.normal(0.0, HEALTH_STEP / np.sqrt(1 - HEALTH_PERSISTENCE**2), n)
    fades: list[tuple[int, int, int, bool]] = []  # account, cancel day, end day, abrupt
    proposal_account: list[int] = []
    proposal_day: list[int] = []

    def instant(day: int, after: int = NULL_TIMESTAMP) -> int:
        """A business-hours instant of the day, later than `after` (an earlier change the same day)."""
        hours = rng.uniform(9, 19) if rng.random() < 0.85 else rng.uniform(6, 23.5)
        moment = timeline.start_us + day * MICROS_PER_DAY + int(hours * MICROS_PER_HOUR)
        if moment <= after:
            moment = after + int(rng.uniform(1, 60) * 60 * 1_000_000)
        return moment

    def open_core(account: int, day: int, trial: bool, tier: int, seats: int) -> None:
        created = instant(day)
        if day == accounts.onboarding_day[account] and created < accounts.created_us[account]:
            created = int(accounts.created_us[account]) + 60 * 1_000_000
        trial_end = created + TRIAL_DAYS * MICROS_PER_DAY if trial else NULL_TIMESTAMP
        yearly = bool(accounts.prefers_yearly[account]) and not trial
        sub = ledger.open_subscription(account, CORE, yearly, bool(accounts.is_usd[account]), created, trial_end)
        discount, promo_days = _initial_discount(rng)
        ledger.set_version(sub, tier, seats, discount, created)
        core_sub[account] = sub
        promo_end_day[account, CORE] = day + promo_days if promo_days > 0 else -1
        status[account] = 1 if trial else 2
        core_yearly[account] = yearly
        core_started_us[account] = created if not trial else NULL_TIMESTAMP
        renewal_us[account] = next_boundary(created, 12, created) if yearly else np.iinfo(np.int64).max

    def end_service(account: int, canceled: int, ended: int, reason: int) -> None:
        ledger.end_subscription(core_sub[account], canceled, ended, reason, close_item=rng.random() < 0.5)
        for slot in range(2):
            if addon_sub[account, slot] >= 0:
                ledger.end_subscription(addon_sub[account, slot], canceled, ended, reason, close_item=True)
                addon_sub[account, slot] = -1

    for day in range(days):
        day_end = int(timeline.day_start_us(day + 1))
        # New customers start a trial or a paid subscription.
        for account in np.flatnonzero(accounts.onboarding_day == day):
            tier, seats = _initial_plan(rng, accounts.size_class[account])
            open_core(account, day, bool(accounts.starts_with_trial[account]), tier, seats)

        # Trials end: convert, or expire (about a quarter never convert).
        trialing = np.flatnonzero(status == 1)
        for account in trialing:
            sub = core_sub[account]
            trial_end = ledger.sub_trial_end[sub]
            if trial_end >= day_end or trial_end >= timeline.end_us:
                continue
            conversion = sigmoid(
                0.9
                + 0.6 * accounts.fit[account]
                + (VARIANT_B_TRIAL_CONVERSION if accounts.variant[account] == 1 else 0.0)
                + (0.8 if activation_day[account] >= 0 else 0.0)
            )
            if rng.random() < conversion:
                ledger.sub_started[sub] = trial_end
                core_started_us[account] = trial_end
                status[account] = 2
            else:
                ledger.sub_started[sub] = trial_end if rng.random() < 0.3 else NULL_TIMESTAMP
                reason = -1 if rng.random() < 0.5 else int(rng.choice(TRIAL_EXPIRY_REASONS))
                ledger.end_subscription(sub, trial_end, trial_end, reason, close_item=rng.random() < 0.5)
                status[account] = 4

        in_service = (status == 1) | (status == 2)
        stalled = (activation_day < 0) & (day - accounts.onboarding_day >= ACTIVATION_WINDOW_DAYS)
        # First completed project on the planned day, if the account is still a customer.
        reaching = np.flatnonzero((activation_target == day) & in_service)
        activation_day[reaching] = day

        activated = activation_day >= 0
        drift = HEALTH_PERSISTENCE * drift + rng.normal(0.0, HEALTH_STEP, n)
        latent = (
            accounts.fit
            + drift
            + np.where(activated, ACTIVATION_LIFT, 0.0)
            - np.where(stalled, STALL_PENALTY, 0.0)
            - np.where(accounts.neglected, NEGLECT_PENALTY, 0.0)
        )
        current_health = sigmoid(latent)
        health[:, day] = current_health

        paying = status == 2
        # Yearly contracts renew (monthly ones only need their period end when they cancel).
        for account in np.flatnonzero(paying & core_yearly & (renewal_us < day_end)):
            renewal_us[account] = next_boundary(core_started_us[account], 12, renewal_us[account])

        # Customers whose cancellation takes effect today leave (with their add-ons).
        for account in np.flatnonzero(paying & (pending_end_day >= 0) & (pending_end_day <= day)):
            sub = core_sub[account]
            end_service(account, ledger.sub_canceled[sub], ledger.sub_ended[sub], ledger.sub_reason[sub])
            status[account] = 3
            pending_end_day[account] = -1
            if rng.random() < 0.2 * sigmoid(accounts.fit[account] + 0.5):
                reactivate_day[account] = day + int(rng.integers(45, 300))

        # Churn decisions (cancellation requests).
        paying = status == 2
        deciding = paying & (pending_end_day < 0)
        yearly = core_yearly & paying
        near_renewal = renewal_us - day_end < YEARLY_DECISION_DAYS * MICROS_PER_DAY
        timing = np.where(yearly, np.where(near_renewal, 365.0 / YEARLY_DECISION_DAYS, 0.0), 1.0)
        hazard = (
            BASE_MONTHLY_CHURN
            / 30.0
            * np.exp(-3.0 * (current_health - 0.5))
            * SEGMENT_CHURN_FACTOR[accounts.size_class]
            * np.where(stalled, STALLED_CHURN_FACTOR, 1.0)
            * timing
        )
        for account in np.flatnonzero(deciding & (rng.random(n) < hazard)):
            sub = core_sub[account]
            canceled = instant(day, after=ledger.latest_change(sub))
            ended = next_boundary(ledger.sub_started[sub], 12 if ledger.sub_yearly[sub] else 1, canceled)
            abrupt = rng.random() > SILENT_CHURN_SHARE
            if abrupt:
                weights = REASONS_WHEN_ABRUPT
            else:
                weights = REASONS_WHEN_STALLED if stalled[account] else REASONS_WHEN_FADING
            reason = int(rng.choice(len(weights), p=weights))
            ledger.sub_canceled[sub] = canceled
            if ended < timeline.end_us:
                ledger.sub_ended[sub] = ended
                ledger.sub_reason[sub] = reason
                pending_end_day[account] = int(timeline.day_of(np.array([ended]))[0])
            else:
                # Cancels at the end of a period after the window: still running today.
                pending_end_day[account] = days
            fades.append((account, day, min(pending_end_day[account], days), abrupt))

        # Seat and tier changes: healthy accounts grow, unhealthy ones shrink.
        changing = np.flatnonzero(deciding & (rng.random(n) < 1 / 120))
        for account in changing:
            sub = core_sub[account]
            tier, seats, discount = ledger.current_version(sub)
            grows = rng.random() < sigmoid(4.0 * (current_health[account] - 0.6))
            delta = max(1, int(round(seats * rng.uniform(0.05, 0.35))))
            if rng.random() < 0.2:
                tier = min(4, tier + 1) if grows else max(1, tier - 1)
            seats = seats + delta if grows else max(1, seats - delta)
            ledger.set_version(sub, tier, seats, discount, instant(day, after=ledger.latest_change(sub)))
            if grows and rng.random() < 0.4:
                proposal_account.append(account)
                proposal_day.append(max(0, day - int(rng.integers(5, 30))))

        # Promotional discounts run out.
        for account, product in zip(*np.nonzero(promo_end_day == day), strict=True):
            sub = core_sub[account] if product == CORE else addon_sub[account, ADD_ONS.index(product)]
            promo_end_day[account, product] = -1
            if sub < 0 or status[account] != 2 or ledger.sub_ended[sub] != NULL_TIMESTAMP:
                continue
            tier, seats, _ = ledger.current_version(sub)
            ledger.set_version(sub, tier, seats, 0, instant(day, after=ledger.latest_change(sub)))

        # Add-on cross-sells to healthy, established customers; add-on cancellations.
        tenure_ok = paying & (day_end - core_started_us > 30 * MICROS_PER_DAY)
        for slot, base_rate in ((0, 1 / 700), (1, 1 / 1000)):
            holds = addon_sub[:, slot] >= 0
            buy_rate = base_rate * 2 * current_health * np.array([0.4, 1.0, 1.6])[accounts.size_class]
            for account in np.flatnonzero(deciding & tenure_ok & ~holds & (rng.random(n) < buy_rate)):
                sub_core = core_sub[account]
                start = instant(day)
                sub = ledger.open_subscription(
                    account, ADD_ONS[slot], ledger.sub_yearly[sub_core], ledger.sub_usd[sub_core], start, NULL_TIMESTAMP
                )
                promo = rng.random()
                discount, promo_days = (10000, 90) if promo < 0.1 else ((2000, 180) if promo < 0.2 else (0, -1))
                ledger.set_version(sub, 0, 1, discount, start)
                addon_sub[account, slot] = sub
                promo_end_day[account, ADD_ONS[slot]] = day + promo_days if promo_days > 0 else -1
                if rng.random() < 0.5:
                    proposal_account.append(account)
                    proposal_day.append(max(0, day - int(rng.integers(5, 30))))
            drop_rate = (1 / 500) * (1.5 - current_health)
            for account in np.flatnonzero(deciding & holds & (rng.random(n) < drop_rate)):
                sub = addon_sub[account, slot]
                canceled = instant(day, after=ledger.latest_change(sub))
                months = 12 if ledger.sub_yearly[sub] else 1
                ended = next_boundary(ledger.sub_started[sub], months, canceled)
                if ended >= timeline.end_us:
                    continue
                reason = int(rng.choice(ADD_ON_CANCEL_REASONS))
                ledger.end_subscription(sub, canceled, ended, reason, close_item=True)
                addon_sub[account, slot] = -1

        # Some churned customers come back months later with a new subscription.
        for account in np.flatnonzero((status == 3) & (reactivate_day == day)):
            previous_tier, previous_seats, _ = ledger.current_version(core_sub[account])
            seats = max(1, int(round(previous_seats * rng.uniform(0.6, 1.0))))
            open_core(account, day, False, previous_tier, seats)
            drift[account] = abs(drift[account]) + 0.3

    subscriptions = {
        "account": np.array(ledger.sub_account, dtype=np.int64),
        "product": np.array(ledger.sub_product, dtype=np.int64),
        "yearly": np.array(ledger.sub_yearly, dtype=bool),
        "usd": np.array(ledger.sub_usd, dtype=bool),
        "created": np.array(ledger.sub_created, dtype=np.int64),
        "trial_end": np.array(ledger.sub_trial_end, dtype=np.int64),
        "started": np.array(ledger.sub_started, dtype=np.int64),
        "canceled": np.array(ledger.sub_canceled, dtype=np.int64),
        "ended": np.array(ledger.sub_ended, dtype=np.int64),
        "reason": np.array(ledger.sub_reason, dtype=np.int64),
    }
    items = {
        "sub": np.array(ledger.item_sub, dtype=np.int64),
        "tier": np.array(ledger.item_tier, dtype=np.int64),
        "quantity": np.array(ledger.item_quantity, dtype=np.int64),
        "discount": np.array(ledger.item_discount, dtype=np.int64),
        "valid_from": np.array(ledger.item_from, dtype=np.int64),
        "valid_to": np.array(ledger.item_to, dtype=np.int64),
    }
    effective_health = _apply_churn_fades(health, fades, rng)
    activation_us = np.where(
        activation_day >= 0,
        timeline.day_start_us(np.maximum(activation_day, 0)) + business_time_us(rng, n),
        NULL_TIMESTAMP,
    )
    return Lifecycle(
        timeline=timeline,
        cut_day=config.cut_day,
        accounts=accounts,
        subscriptions=subscriptions,
        items=items,
        health=effective_health,
        activation_day=activation_day,
        activation_us=activation_us,
        upsell_proposals=(np.array(proposal_account, dtype=np.int64), np.array(proposal_day, dtype=np.int64)),
    )


def _apply_churn_fades(health: np.ndarray, fades: list, rng: np.random.Generator) -> np.ndarray:
    """Usage of a churner fades before the cancellation and stays low until service ends.

    Most churners leave silently: a 30-60 day slide to a trickle. Abrupt churners (price,
    competitor) keep most of their usage until a short drop in the last days.
    """
    faded = health  # in place: the raw health is not needed afterwards, and it is the largest array
    days = health.shape[1]
    for account, cancel_day, end_day, abrupt in fades:
        length = 10 if abrupt else int(rng.integers(30, 61))
        floor = 0.5 if abrupt else FADE_FLOOR
        start = max(0, cancel_day - length)
        ramp_days = np.arange(start, min(cancel_day + 1, days))
        ramp = 1.0 - (1.0 - floor) * (ramp_days - (cancel_day - length)) / length
        faded[account, ramp_days] *= ramp.astype(np.float32)
        faded[account, cancel_day + 1 : min(end_day + 1, days)] *= floor
    return faded
