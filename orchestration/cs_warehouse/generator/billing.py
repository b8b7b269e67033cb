"""billing tables: plans, subscriptions, subscription_items, invoices and invoice_lines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cs_warehouse import raw_contract
from cs_warehouse.generator import arrow_columns as cols
from cs_warehouse.generator.catalog import CORE_TIERS, Plan, plan_key, price_list
from cs_warehouse.generator.config import GeneratorConfig
from cs_warehouse.generator.crm import account_ids
from cs_warehouse.generator.lifecycle import CORE, HIGH_TOUCH, TECH_TOUCH, Lifecycle
from cs_warehouse.generator.timeline import MICROS_PER_DAY, MICROS_PER_HOUR, NULL_TIMESTAMP, add_months

# One-time fees in hundredths: onboarding package for high-touch accounts, training days.
ONBOARDING_FEE = {"JPY": 30_000_000, "USD": 200_000}
ONBOARDING_DAYS = 90
TRAINING_FEE = {"JPY": 12_000_000, "USD": 80_000}
PRORATION = raw_contract.INVOICE_LINE_TYPES.index("proration")
ONE_TIME = raw_contract.INVOICE_LINE_TYPES.index("one_time")
# Dunning: a failed payment is retried on these days after the due date until one succeeds (the
# weights are the shares recovered at each retry).
RETRY_DAYS = np.array([1, 3, 5, 7, 14, 21])
RETRY_RECOVERY_SHARE = np.array([0.35, 0.2, 0.15, 0.1, 0.12, 0.08])
# Only a customer on the way out stops paying for good: from a core invoice due this many days (one
# dunning cycle) before its paid service ends, when its unpaid invoices are written off.
UNRECOVERED_DUE_BEFORE_END_DAYS = (28, 60)
# Share of eligible leavers whose card fails first, times (1 - health) at the failing invoice: about
# 30% of core churn ends in a write-off (involuntary churn).
UNRECOVERED_SHARE = 0.6


def plans_table() -> pa.Table:
    plans = price_list()
    return cols.build_table(
        raw_contract.table("plans"),
        {
            "plan_id": cols.strings([plan.plan_id for plan in plans]),
            "product_id": cols.strings([plan.product_id for plan in plans]),
            "product_name": cols.strings([plan.product_name for plan in plans]),
            "plan_name": cols.strings([plan.plan_name for plan in plans]),
            "tier": cols.strings([plan.tier for plan in plans]),
            "tier_rank": cols.int32s([plan.tier_rank for plan in plans]),
            "billing_interval": cols.strings([plan.billing_interval for plan in plans]),
            "unit_amount": cols.decimals([plan.unit_hundredths for plan in plans]),
            "currency": cols.strings([plan.currency for plan in plans]),
            "is_per_seat": cols.booleans([plan.is_per_seat for plan in plans]),
        },
    )


def subscription_ids(sub: np.ndarray) -> pa.Array:
    return cols.sequential_ids("sub_", np.asarray(sub) + 1, 6)


def item_ids(item: np.ndarray) -> pa.Array:
    return cols.sequential_ids("si_", np.asarray(item) + 1, 7)


def invoice_ids(invoice: np.ndarray) -> pa.Array:
    return cols.sequential_ids("in_", np.asarray(invoice) + 1, 7)


@dataclass
class ItemPrices:
    """Per item version: plan index into the price list, currency and amount per billing period."""

    plan: np.ndarray
    period_amount: np.ndarray  # hundredths, net of discount, rounded to the currency's unit
    unit_step: np.ndarray  # 100 for JPY (whole yen), 1 for USD (cents)


def price_items(lifecycle: Lifecycle) -> tuple[tuple[Plan, ...], ItemPrices]:
    plans = price_list()
    index = {plan.plan_id: position for position, plan in enumerate(plans)}
    subs, items = lifecycle.subscriptions, lifecycle.items
    sub = items["sub"]
    tier_names = ("addon",) + CORE_TIERS
    plan = np.array(
        [
            index[
                plan_key(
                    raw_contract.PRODUCT_IDS[subs["product"][s]],
                    tier_names[tier],
                    "year" if subs["yearly"][s] else "month",
                    "USD" if subs["usd"][s] else "JPY",
                )
            ]
            for s, tier in zip(sub, items["tier"], strict=True)
        ],
        dtype=np.int64,
    )
    unit = np.array([p.unit_hundredths for p in plans], dtype=np.int64)[plan]
    step = np.where(subs["usd"][sub], 1, 100)
    gross = unit * items["quantity"]
    net = gross * (10_000 - items["discount"]) / 10_000
    period_amount = (np.round(net / step) * step).astype(np.int64)
    return plans, ItemPrices(plan, period_amount, step)


def subscription_items_table(lifecycle: Lifecycle, plans: tuple[Plan, ...], prices: ItemPrices) -> pa.Table:
    """Item versions that started by the end date; one that closes later is still open then."""
    items = lifecycle.items
    count = items["sub"].size
    table = cols.build_table(
        raw_contract.table("subscription_items"),
        {
            "subscription_item_id": item_ids(np.arange(count)),
            "subscription_id": subscription_ids(items["sub"]),
            "plan_id": cols.strings([plans[p].plan_id for p in prices.plan]),
            "quantity": cols.int32s(items["quantity"]),
            "discount_pct": cols.decimals(items["discount"], precision=5),
            "valid_from": cols.timestamps(items["valid_from"]),
            "valid_to": cols.timestamps(lifecycle.known(items["valid_to"])),
        },
    )
    return cols.rows_where(table, lifecycle.occurred(items["valid_from"]))


def subscriptions_table(lifecycle: Lifecycle, past_due: np.ndarray) -> pa.Table:
    """Subscriptions created by the end date, as known then: a start, cancellation or end that
    comes later is still null (and so is the reason of a cancellation not yet in effect)."""
    subs = lifecycle.subscriptions
    count = subs["account"].size
    started, canceled, ended_at = (lifecycle.known(subs[name]) for name in ("started", "canceled", "ended"))
    ended = ended_at != NULL_TIMESTAMP
    trialing = (subs["trial_end"] != NULL_TIMESTAMP) & (started == NULL_TIMESTAMP) & ~ended
    # trialing, active, past_due, canceled
    status = np.where(ended, 3, np.where(trialing, 0, np.where(past_due, 2, 1)))
    exists = lifecycle.occurred(subs["created"])
    assert not np.any(subs["trial_end"][trialing & exists] < lifecycle.cut_us), (
        "a trial that ended must have converted or expired"
    )
    reason = np.where(ended, subs["reason"], -1)
    table = cols.build_table(
        raw_contract.table("subscriptions"),
        {
            "subscription_id": subscription_ids(np.arange(count)),
            "account_id": account_ids(subs["account"]),
            "status": cols.pick(raw_contract.SUBSCRIPTION_STATUSES, status),
            "currency": cols.pick(("JPY", "USD"), subs["usd"].astype(np.int64)),
            "created_at": cols.timestamps(subs["created"]),
            "trial_end_at": cols.timestamps(subs["trial_end"]),
            "started_at": cols.timestamps(started),
            "canceled_at": cols.timestamps(canceled),
            "ended_at": cols.timestamps(ended_at),
            "cancel_reason": cols.pick(raw_contract.CANCEL_REASONS, np.maximum(reason, 0), null_mask=reason < 0),
        },
    )
    return cols.rows_where(table, exists)


def _billing_periods(lifecycle: Lifecycle) -> dict[str, np.ndarray]:
    """Every billing period of every paid subscription that starts before the window ends."""
    subs = lifecycle.subscriptions
    end_us = lifecycle.timeline.end_us
    started, ended = subs["started"], subs["ended"]
    paid = np.flatnonzero((started != NULL_TIMESTAMP) & ((ended == NULL_TIMESTAMP) | (ended > started)))
    stop = np.where(ended[paid] == NULL_TIMESTAMP, end_us, ended[paid])
    most_periods = lifecycle.timeline.days // 28 + 2
    anchor = np.repeat(started[paid], most_periods)
    months = np.repeat(np.where(subs["yearly"][paid], 12, 1), most_periods)
    period = np.tile(np.arange(most_periods), paid.size)
    starts = add_months(anchor, period * months)
    keep = starts < np.repeat(stop, most_periods)
    return {
        "sub": np.repeat(paid, most_periods)[keep],
        "start": starts[keep],
        "end": add_months(anchor[keep], (period[keep] + 1) * months[keep]),
    }


@dataclass
class _ItemVersions:
    """Item versions grouped by subscription, in valid_from order."""

    valid_from: np.ndarray
    order: np.ndarray
    first: np.ndarray  # per subscription: first position in `order`
    last: np.ndarray  # per subscription: one past its last position

    @classmethod
    def of(cls, items: dict[str, np.ndarray], subscription_count: int) -> _ItemVersions:
        order = np.lexsort((items["valid_from"], items["sub"]))
        grouped = items["sub"][order]
        subscriptions = np.arange(subscription_count)
        first = np.searchsorted(grouped, subscriptions, side="left")
        last = np.searchsorted(grouped, subscriptions, side="right")
        return cls(items["valid_from"], order, first, last)

    def live_at(self, sub: np.ndarray, at: np.ndarray) -> np.ndarray:
        """Item version of each `sub` live at `at` (the last with valid_from <= at), -1 before the first."""
        found = np.full(sub.size, -1)
        longest = int((self.last - self.first).max()) if self.first.size else 0
        for offset in range(longest):
            position = self.first[sub] + offset
            candidate = self.order[np.minimum(position, self.order.size - 1)]
            started = (position < self.last[sub]) & (self.valid_from[candidate] <= at)
            found = np.where(started, candidate, found)
        return found

    def changes(self) -> np.ndarray:
        """Every version but the first of its subscription (an upgrade, seat or discount change)."""
        position = np.arange(self.order.size)
        sub_of_position = np.repeat(np.arange(self.first.size), self.last - self.first)
        return self.order[position > self.first[sub_of_position]]


@dataclass
class _Invoices:
    """Invoices of one kind with their lines; `line_invoice` indexes this block's invoices."""

    account: np.ndarray
    subscription: np.ndarray  # -1: not tied to a subscription
    usd: np.ndarray
    yearly: np.ndarray
    created: np.ndarray
    line_invoice: np.ndarray
    line_item: np.ndarray  # -1: one-time charge
    line_type: np.ndarray
    line_quantity: np.ndarray
    line_amount: np.ndarray
    line_start: np.ndarray
    line_end: np.ndarray

    @classmethod
    def concat(cls, blocks: list[_Invoices]) -> _Invoices:
        offsets = np.cumsum([0] + [block.account.size for block in blocks[:-1]])
        merged = {
            name: np.concatenate([getattr(block, name) for block in blocks])
            for name in cls.__dataclass_fields__
            if name != "line_invoice"
        }
        line_invoice = np.concatenate(
            [block.line_invoice + offset for block, offset in zip(blocks, offsets, strict=True)]
        )
        return cls(line_invoice=line_invoice, **merged)


def _one_per_period(
    lifecycle: Lifecycle, prices: ItemPrices, versions: _ItemVersions, periods: dict[str, np.ndarray]
) -> _Invoices:
    """An invoice at the start of every billing period for the item version live then; a
    high-touch customer's first core invoice also carries the onboarding package."""
    subs, items = lifecycle.subscriptions, lifecycle.items
    item = versions.live_at(periods["sub"], periods["start"])
    count = item.size
    first_period = np.ones(count, dtype=bool)
    first_period[1:] = periods["sub"][1:] != periods["sub"][:-1]
    onboarding = np.flatnonzero(
        first_period
        & (subs["product"][periods["sub"]] == CORE)
        & (lifecycle.accounts.size_class[subs["account"][periods["sub"]]] == HIGH_TOUCH)
    )
    usd = subs["usd"][periods["sub"]]
    return _Invoices(
        account=subs["account"][periods["sub"]],
        subscription=periods["sub"],
        usd=usd,
        yearly=subs["yearly"][periods["sub"]],
        created=periods["start"],
        line_invoice=np.concatenate([np.arange(count), onboarding]),
        line_item=np.concatenate([item, np.full(onboarding.size, -1)]),
        line_type=np.concatenate([np.zeros(count, dtype=np.int64), np.full(onboarding.size, ONE_TIME)]),
        line_quantity=np.concatenate([items["quantity"][item], np.ones(onboarding.size, dtype=np.int64)]),
        line_amount=np.concatenate(
            [prices.period_amount[item], np.where(usd[onboarding], ONBOARDING_FEE["USD"], ONBOARDING_FEE["JPY"])]
        ),
        line_start=np.concatenate([periods["start"], periods["start"][onboarding]]),
        line_end=np.concatenate([periods["end"], periods["start"][onboarding] + ONBOARDING_DAYS * MICROS_PER_DAY]),
    )


def _prorations(
    lifecycle: Lifecycle, prices: ItemPrices, versions: _ItemVersions, periods: dict[str, np.ndarray]
) -> _Invoices:
    """A change inside a billing period that raises the amount is invoiced at once for the rest of
    the period (downgrades are not credited)."""
    subs, items = lifecycle.subscriptions, lifecycle.items
    change = versions.changes()
    sub, at = items["sub"][change], items["valid_from"][change]
    # The period containing each change: the last period of the subscription starting before it.
    period_count = np.bincount(periods["sub"], minlength=subs["account"].size)
    period_first = np.cumsum(period_count) - period_count
    period = np.full(change.size, -1)
    for offset in range(int(period_count.max()) if period_count.size else 0):
        position = np.minimum(period_first[sub] + offset, max(periods["sub"].size - 1, 0))
        inside = (offset < period_count[sub]) & (periods["start"][position] < at) & (at < periods["end"][position])
        period = np.where(inside, position, period)
    previous = versions.live_at(sub, at - 1)
    increase = prices.period_amount[change] - prices.period_amount[previous]
    prorated = np.flatnonzero((period >= 0) & (previous >= 0) & (increase > 0))
    change, sub, at, period = change[prorated], sub[prorated], at[prorated], period[prorated]
    remaining = (periods["end"][period] - at) / (periods["end"][period] - periods["start"][period])
    step = prices.unit_step[change]
    count = change.size
    return _Invoices(
        account=subs["account"][sub],
        subscription=sub,
        usd=subs["usd"][sub],
        yearly=subs["yearly"][sub],
        created=at,
        line_invoice=np.arange(count),
        line_item=change,
        line_type=np.full(count, PRORATION),
        line_quantity=items["quantity"][change],
        line_amount=(np.round(increase[prorated] * remaining / step) * step).astype(np.int64),
        line_start=at,
        line_end=periods["end"][period],
    )


def _training_days(rng: np.random.Generator, lifecycle: Lifecycle) -> _Invoices:
    """Training days some low- and high-touch customers buy, invoiced on their own."""
    subs = lifecycle.subscriptions
    end_us = lifecycle.timeline.end_us
    paid_core = np.flatnonzero(
        (subs["product"] == CORE)
        & (subs["started"] != NULL_TIMESTAMP)
        & ((subs["ended"] == NULL_TIMESTAMP) | (subs["ended"] > subs["started"]))
        & (lifecycle.accounts.size_class[subs["account"]] != TECH_TOUCH)
    )
    buying = paid_core[rng.random(paid_core.size) < 0.1]
    service_end = np.where(subs["ended"][buying] == NULL_TIMESTAMP, end_us, subs["ended"][buying])
    started = subs["started"][buying]
    created = started + (rng.random(buying.size) * (service_end - started)).astype(np.int64)
    usd = subs["usd"][buying]
    count = buying.size
    return _Invoices(
        account=subs["account"][buying],
        subscription=np.full(count, -1),
        usd=usd,
        yearly=np.zeros(count, dtype=bool),
        created=created,
        line_invoice=np.arange(count),
        line_item=np.full(count, -1),
        line_type=np.full(count, ONE_TIME),
        line_quantity=np.ones(count, dtype=np.int64),
        line_amount=np.where(usd, TRAINING_FEE["USD"], TRAINING_FEE["JPY"]),
        line_start=created,
        line_end=created + MICROS_PER_DAY,
    )


def _service_end(lifecycle: Lifecycle, periods: dict[str, np.ndarray]) -> np.ndarray:
    """Per subscription, the end of the billing period in which it was canceled: its ended_at, or
    for a cancellation taking effect after the window the end it will have. NULL_TIMESTAMP when
    never canceled or never paid."""
    canceled = lifecycle.subscriptions["canceled"][periods["sub"]]
    containing = (canceled != NULL_TIMESTAMP) & (periods["start"] <= canceled) & (canceled < periods["end"])
    service_end = np.full(lifecycle.subscriptions["account"].size, NULL_TIMESTAMP)
    service_end[periods["sub"][containing]] = periods["end"][containing]
    return service_end


@dataclass
class _Dunning:
    """Per invoice: whether its payment is never recovered, and when it is written off."""

    unrecovered: np.ndarray
    written_off_at: np.ndarray


def _unrecovered_failures(
    rng: np.random.Generator,
    lifecycle: Lifecycle,
    periods: dict[str, np.ndarray],
    billed: _Invoices,
    due: np.ndarray,
    total: np.ndarray,
) -> _Dunning:
    """Payments dunning never recovers happen only on the way out: some customers whose core
    subscription is canceled (the unhealthier, the likelier) stop paying from a core invoice due 4
    to 8.5 weeks before their paid service ends, and cancel while it is still retried. Every invoice
    of the account due from then on and issued before the end goes unpaid; all are written off when
    the service ends (the subscription keeps the cancel reason its cancellation drew). Customers who
    come back later, or buy an add-on after that invoice, are not among them: a write-off ends the
    relationship."""
    subs = lifecycle.subscriptions
    timeline = lifecycle.timeline
    accounts, subscription_count = lifecycle.accounts.count, subs["account"].size
    never = np.iinfo(np.int64).max
    service_end = _service_end(lifecycle, periods)
    core = np.flatnonzero(subs["product"] == CORE)
    last_core = np.full(accounts, -1)
    np.maximum.at(last_core, subs["account"][core], core)
    leaving = np.zeros(subscription_count, dtype=bool)
    leaving[core] = (service_end[core] != NULL_TIMESTAMP) & (last_core[subs["account"][core]] == core)
    latest_purchase = np.full(accounts, NULL_TIMESTAMP)
    np.maximum.at(latest_purchase, subs["account"], subs["created"])

    sub = np.maximum(billed.subscription, 0)
    before_end = service_end[sub] - due
    shortest, longest = (days * MICROS_PER_DAY for days in UNRECOVERED_DUE_BEFORE_END_DAYS)
    # The customer cancels while the failed payment is still being retried, so at any day an invoice
    # past its last retry is on an account whose cancellation is already known.
    canceled_in_dunning = subs["canceled"][sub] <= due + RETRY_DAYS[-1] * MICROS_PER_DAY
    candidate = np.flatnonzero(
        (billed.subscription >= 0)
        & leaving[sub]
        & canceled_in_dunning
        & (before_end >= shortest)
        & (before_end <= longest)
        & (total > 0)
    )
    # Invoices of one subscription share their payment terms: the earliest issued is the earliest due.
    first_issued = np.full(subscription_count, never)
    first_due = np.full(subscription_count, never)
    np.minimum.at(first_issued, sub[candidate], billed.created[candidate])
    np.minimum.at(first_due, sub[candidate], due[candidate])
    # A customer whose card fails buys nothing more (an add-on bought later would go unpaid too).
    eligible = np.flatnonzero((first_issued != never) & (first_issued > latest_purchase[subs["account"]]))
    failure_day = np.clip(timeline.day_of(first_due[eligible]), 0, timeline.days - 1)
    health = lifecycle.health[subs["account"][eligible], failure_day]
    stops_paying = eligible[rng.random(eligible.size) < UNRECOVERED_SHARE * (1.0 - health)]

    # One at most per account (its last core subscription), so the unpaid span is per account.
    unpaid_from_due = np.full(accounts, never)
    unpaid_until = np.full(accounts, NULL_TIMESTAMP)
    unpaid_from_due[subs["account"][stops_paying]] = first_due[stops_paying]
    unpaid_until[subs["account"][stops_paying]] = service_end[stops_paying]
    unrecovered = (
        (due >= unpaid_from_due[billed.account]) & (billed.created < unpaid_until[billed.account]) & (total > 0)
    )
    return _Dunning(unrecovered, np.where(unrecovered, unpaid_until[billed.account], NULL_TIMESTAMP))


@dataclass
class Invoices:
    invoices: pa.Table
    lines: pa.Table
    past_due_subscription: np.ndarray


def invoices_tables(
    config: GeneratorConfig, lifecycle: Lifecycle, plans: tuple[Plan, ...], prices: ItemPrices
) -> Invoices:
    """Invoices per billing period, prorations and one-time fees. Most are paid on time; payments
    fail more for unhealthy accounts and go through dunning: most are recovered by a retry days to
    three weeks after the due date, the rest are written off as uncollectible when the customer's
    paid service ends (see _unrecovered_failures). An invoice still in dunning at the end of the
    window is open past due."""
    rng = config.rng("invoices")
    timeline = lifecycle.timeline
    versions = _ItemVersions.of(lifecycle.items, lifecycle.subscriptions["account"].size)
    periods = _billing_periods(lifecycle)
    billed = _Invoices.concat(
        [
            _one_per_period(lifecycle, prices, versions, periods),
            _prorations(lifecycle, prices, versions, periods),
            _training_days(rng, lifecycle),
        ]
    )
    count = billed.account.size
    total = np.zeros(count, dtype=np.int64)
    np.add.at(total, billed.line_invoice, billed.line_amount)

    # Cards pay within the hour; bank transfers (yearly JPY contracts) within weeks.
    by_transfer = billed.yearly & ~billed.usd
    due = billed.created + np.where(by_transfer, 30, 14) * MICROS_PER_DAY
    delay = np.where(
        by_transfer, rng.uniform(1, 28, count) * MICROS_PER_DAY, rng.uniform(0.01, 1, count) * MICROS_PER_HOUR
    ).astype(np.int64)
    created_day = np.clip(timeline.day_of(billed.created), 0, timeline.days - 1)
    health = lifecycle.health[billed.account, created_day]
    # Payments fail more the unhealthier the account; dunning recovers them at a retry unless the
    # customer is on the way out.
    dunning = _unrecovered_failures(rng, lifecycle, periods, billed, due, total)
    fails = dunning.unrecovered | ((rng.random(count) < 0.004 + 0.25 * (1.0 - health) ** 3) & (total > 0))
    void = ~fails & (rng.random(count) < 0.004)
    retry = RETRY_DAYS[rng.choice(RETRY_DAYS.size, count, p=RETRY_RECOVERY_SHARE)] * MICROS_PER_DAY
    recovered_at = due + retry + (rng.random(count) * MICROS_PER_HOUR).astype(np.int64)
    paid_at = np.select([total == 0, fails], [billed.created, recovered_at], default=billed.created + delay)
    # Payments and write-offs as known at the end date.
    cut_us = lifecycle.cut_us
    paid = ~dunning.unrecovered & ~void & (paid_at < cut_us)
    written_off = dunning.unrecovered & (dunning.written_off_at < cut_us)
    status_code = raw_contract.INVOICE_STATUSES.index
    status = np.select(
        [void, paid, written_off],
        [status_code("void"), status_code("paid"), status_code("uncollectible")],
        default=status_code("open"),
    )

    # Invoice numbers follow creation time.
    chronological = np.argsort(billed.created, kind="stable")
    number = np.empty(count, dtype=np.int64)
    number[chronological] = np.arange(count)
    subscription = billed.subscription[chronological]
    issued = lifecycle.occurred(billed.created)
    invoices = cols.build_table(
        raw_contract.table("invoices"),
        {
            "invoice_id": invoice_ids(np.arange(count)),
            "account_id": account_ids(billed.account[chronological]),
            "subscription_id": cols.with_nulls(subscription_ids(np.maximum(subscription, 0)), subscription < 0),
            "status": cols.pick(raw_contract.INVOICE_STATUSES, status[chronological]),
            "currency": cols.pick(("JPY", "USD"), billed.usd[chronological]),
            "total": cols.decimals(total[chronological]),
            "amount_paid": cols.decimals(np.where(paid, total, 0)[chronological]),
            "created_at": cols.timestamps(billed.created[chronological]),
            "due_at": cols.timestamps(due[chronological]),
            "paid_at": cols.timestamps(np.where(paid, paid_at, NULL_TIMESTAMP)[chronological]),
        },
    )
    invoices = cols.rows_where(invoices, issued[chronological])
    line_order = np.lexsort((billed.line_type, number[billed.line_invoice]))
    item = billed.line_item[line_order]
    one_time = item < 0
    lines = cols.build_table(
        raw_contract.table("invoice_lines"),
        {
            "invoice_line_id": cols.sequential_ids("il_", np.arange(1, item.size + 1), 8),
            "invoice_id": invoice_ids(number[billed.line_invoice][line_order]),
            "subscription_item_id": cols.with_nulls(item_ids(np.maximum(item, 0)), one_time),
            "plan_id": cols.pick(
                [plan.plan_id for plan in plans], prices.plan[np.maximum(item, 0)], null_mask=one_time
            ),
            "line_type": cols.pick(raw_contract.INVOICE_LINE_TYPES, billed.line_type[line_order]),
            "quantity": cols.int32s(billed.line_quantity[line_order]),
            "amount": cols.decimals(billed.line_amount[line_order]),
            "period_start": cols.timestamps(billed.line_start[line_order]),
            "period_end": cols.timestamps(billed.line_end[line_order]),
        },
    )
    lines = cols.rows_where(lines, issued[billed.line_invoice][line_order])
    open_past_due = issued & (status == status_code("open")) & (due < cut_us) & (billed.subscription >= 0)
    past_due = np.zeros(lifecycle.subscriptions["account"].size, dtype=bool)
    past_due[billed.subscription[open_past_due]] = True
    return Invoices(invoices, lines, past_due)
