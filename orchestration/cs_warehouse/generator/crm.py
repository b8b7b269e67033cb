"""crm tables: accounts, contacts, owners, activities, tickets and survey responses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cs_warehouse import raw_contract
from cs_warehouse.generator import arrow_columns as cols
from cs_warehouse.generator.catalog import (
    COMPANY_NOUNS,
    COMPANY_STEMS,
    COMPANY_SUFFIXES,
    CS_MANAGER_COUNT,
    CSM_COUNT,
    FIRST_NAMES,
    INDUSTRIES,
    JOB_TITLES,
    LAST_NAMES,
    MISALLOCATING_CSMS,
    NPS_COMMENTS,
    SALES_COUNT,
    USD_COUNTRIES,
)
from cs_warehouse.generator.config import GeneratorConfig
from cs_warehouse.generator.lifecycle import CHANNELS, CORE, TECH_TOUCH, Lifecycle, business_time_us
from cs_warehouse.generator.timeline import MICROS_PER_DAY, MICROS_PER_HOUR, NULL_TIMESTAMP

# CRM edits per account over the simulated history (updated_at shows the last one made so far).
CRM_EDITS = 3
CSM_OWNER_OFFSET = CS_MANAGER_COUNT
SALES_OWNER_OFFSET = CS_MANAGER_COUNT + CSM_COUNT


def account_ids(account: np.ndarray) -> pa.Array:
    return cols.sequential_ids("acc_", np.asarray(account) + 1, 6)


def owner_ids(owner: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    return cols.with_nulls(cols.sequential_ids("own_", np.maximum(np.asarray(owner), 0) + 1, 3), null_mask)


@dataclass
class AccountNames:
    names: list[str]
    domains: list[str]
    countries: list[str]


def name_accounts(config: GeneratorConfig, lifecycle: Lifecycle) -> AccountNames:
    """Distinct company names, an email domain each, and a country matching the billing currency."""
    rng = config.rng("account_names")
    n = lifecycle.accounts.count
    combos = len(COMPANY_STEMS) * len(COMPANY_NOUNS) * len(COMPANY_SUFFIXES)
    picks = rng.choice(combos, n, replace=n > combos)
    stems = picks // (len(COMPANY_NOUNS) * len(COMPANY_SUFFIXES))
    nouns = (picks // len(COMPANY_SUFFIXES)) % len(COMPANY_NOUNS)
    suffixes = picks % len(COMPANY_SUFFIXES)
    usd_country = rng.integers(0, len(USD_COUNTRIES), n)
    names, domains, countries, seen = [], [], [], {}
    for account in range(n):
        stem, noun = COMPANY_STEMS[stems[account]], COMPANY_NOUNS[nouns[account]]
        country = USD_COUNTRIES[usd_country[account]] if lifecycle.accounts.is_usd[account] else "JP"
        slug = f"{stem}-{noun}".lower()
        seen[slug] = seen.get(slug, 0) + 1
        if seen[slug] > 1:
            slug = f"{slug}-{seen[slug]}"
        names.append(f"{stem} {noun} {COMPANY_SUFFIXES[suffixes[account]]}")
        domains.append(f"{slug}.co.jp" if country == "JP" else f"{slug}.com")
        countries.append(country)
    return AccountNames(names, domains, countries)


def accounts_table(config: GeneratorConfig, lifecycle: Lifecycle, names: AccountNames) -> pa.Table:
    rng = config.rng("accounts_table")
    accounts = lifecycle.accounts
    n = accounts.count
    end_us = lifecycle.timeline.end_us
    median_employees = np.array([25.0, 180.0, 1500.0])[accounts.size_class]
    employees = np.maximum(2, np.round(median_employees * rng.lognormal(0.0, 0.7, n)))
    # A few CRM edits over the account's life; updated_at is the last one made by the end date.
    edits = accounts.created_us[:, None] + (
        rng.random((n, CRM_EDITS)) * (end_us - 1 - accounts.created_us)[:, None]
    ).astype(np.int64)
    edits_made = np.where(edits < lifecycle.cut_us, edits, accounts.created_us[:, None])
    updated = edits_made.max(axis=1)
    deleted = np.zeros(n, dtype=bool)
    deleted[rng.choice(n, max(1, n // 200), replace=False)] = True
    has_csm = accounts.csm >= 0
    table = cols.build_table(
        raw_contract.table("accounts"),
        {
            "account_id": account_ids(np.arange(n)),
            "account_name": cols.strings(names.names),
            "industry": cols.pick(INDUSTRIES, rng.integers(0, len(INDUSTRIES), n)),
            "country": cols.strings(names.countries),
            "employee_count": cols.int32s(employees, null_mask=rng.random(n) < 0.08),
            "csm_owner_id": owner_ids(CSM_OWNER_OFFSET + accounts.csm, null_mask=~has_csm),
            "acquisition_channel": cols.pick(CHANNELS, accounts.channel),
            "landing_page_variant": cols.pick(
                ("A", "B"), np.maximum(accounts.variant, 0), null_mask=accounts.variant < 0
            ),
            "created_at": cols.timestamps(accounts.created_us),
            "updated_at": cols.timestamps(updated),
            "is_deleted": cols.booleans(deleted),
        },
    )
    return cols.rows_where(table, lifecycle.occurred(accounts.created_us))


def owners_table() -> pa.Table:
    """CS managers, the CSMs reporting to them, sales, and one CSM who has left."""
    rows = []
    for _ in range(CS_MANAGER_COUNT):
        rows.append(("cs_manager", None, True))
    for csm in range(CSM_COUNT):
        rows.append(("csm", csm % CS_MANAGER_COUNT, True))
    for _ in range(SALES_COUNT):
        rows.append(("sales", None, True))
    rows.append(("csm", 0, False))
    count = len(rows)
    full_names = [
        f"{FIRST_NAMES[(7 * index + 3) % len(FIRST_NAMES)]} {LAST_NAMES[(11 * index + 5) % len(LAST_NAMES)]}"
        for index in range(count)
    ]
    manager = np.array([-1 if row[1] is None else row[1] for row in rows])
    return cols.build_table(
        raw_contract.table("owners"),
        {
            "owner_id": owner_ids(np.arange(count)),
            "full_name": cols.strings(full_names),
            "email": cols.strings([f"{name.lower().replace(' ', '.')}@taskhub.example" for name in full_names]),
            "role": cols.pick(raw_contract.OWNER_ROLES, [raw_contract.OWNER_ROLES.index(row[0]) for row in rows]),
            "manager_id": owner_ids(manager, null_mask=manager < 0),
            "is_active": cols.booleans([row[2] for row in rows]),
        },
    )


@dataclass
class Contacts:
    account: np.ndarray
    emails: list[str]
    first_of_account: np.ndarray  # index of the account's first contact (its primary)
    count_of_account: np.ndarray
    created_us: np.ndarray
    table: pa.Table

    def pick(self, rng: np.random.Generator, account: np.ndarray, at_us: np.ndarray) -> np.ndarray:
        """A random contact of each given account among those in the CRM at `at_us` (else its primary)."""
        contact = self.first_of_account[account] + (rng.random(account.size) * self.count_of_account[account]).astype(
            np.int64
        )
        return np.where(self.created_us[contact] <= at_us, contact, self.first_of_account[account])


def contacts_table(config: GeneratorConfig, lifecycle: Lifecycle, names: AccountNames) -> Contacts:
    """1-5 contacts per account, the first is primary; a CRM re-sync re-delivered a few rows."""
    rng = config.rng("contacts")
    accounts = lifecycle.accounts
    end_us = lifecycle.timeline.end_us
    low = np.array([1, 2, 3])[accounts.size_class]
    high = np.array([2, 4, 5])[accounts.size_class]
    per_account = rng.integers(low, high + 1)
    account = np.repeat(np.arange(accounts.count), per_account)
    first_of_account = np.cumsum(per_account) - per_account
    is_primary = np.zeros(account.size, dtype=bool)
    is_primary[first_of_account] = True
    later = (rng.random(account.size) * 120 * MICROS_PER_DAY).astype(np.int64)
    created = accounts.created_us[account] + np.where(is_primary, 5 * 60 * 1_000_000, later)
    created = np.minimum(created, end_us - 1)
    exists = lifecycle.occurred(created)
    first = rng.integers(0, len(FIRST_NAMES), account.size)
    last = rng.integers(0, len(LAST_NAMES), account.size)
    full_names = [f"{FIRST_NAMES[f]} {LAST_NAMES[surname]}" for f, surname in zip(first, last, strict=True)]
    emails = [
        f"{FIRST_NAMES[f].lower()}.{LAST_NAMES[surname].lower()}@{names.domains[a]}"
        for f, surname, a in zip(first, last, account, strict=True)
    ]
    titles = rng.integers(0, len(JOB_TITLES), account.size)
    table = cols.build_table(
        raw_contract.table("contacts"),
        {
            "contact_id": cols.sequential_ids("con_", np.arange(1, account.size + 1), 6),
            "account_id": account_ids(account),
            "email": cols.strings(emails),
            "full_name": cols.strings(full_names),
            "job_title": cols.pick(JOB_TITLES, titles, null_mask=rng.random(account.size) < 0.15),
            "is_primary": cols.booleans(is_primary),
            "created_at": cols.timestamps(created),
        },
    )
    duplicated = np.sort(rng.choice(account.size, max(2, account.size // 300), replace=False))
    table = pa.concat_tables([table, table.take(cols.int32s(duplicated))])
    table = cols.rows_where(table, np.concatenate([exists, exists[duplicated]]))
    return Contacts(account, emails, first_of_account, per_account, created, table)


@dataclass
class ServiceIntervals:
    """Local-day spans [start_day, end_day) during which an account holds a core subscription."""

    account: np.ndarray
    start_day: np.ndarray
    end_day: np.ndarray


def service_intervals(lifecycle: Lifecycle) -> ServiceIntervals:
    subs = lifecycle.subscriptions
    timeline = lifecycle.timeline
    core = np.flatnonzero(subs["product"] == CORE)
    ended = subs["ended"][core]
    end_day = np.where(ended == NULL_TIMESTAMP, timeline.days, timeline.day_of(ended) + 1)
    return ServiceIntervals(
        subs["account"][core], timeline.day_of(subs["created"][core]), np.minimum(end_day, timeline.days)
    )


def _poisson_days(
    rng: np.random.Generator, intervals: ServiceIntervals, rate_per_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Occurrences of a Poisson process per interval: (account, day) pairs."""
    span = np.maximum(intervals.end_day - intervals.start_day, 0)
    counts = rng.poisson(rate_per_day * span)
    account = np.repeat(intervals.account, counts)
    day = np.repeat(intervals.start_day, counts) + (rng.random(counts.sum()) * np.repeat(span, counts)).astype(np.int64)
    return account, day


# activity_type: (rate per day by size class tech/low/high, attendance follows health, owner, minutes)
RECURRING_ACTIVITIES = {
    "check_in_call": ((0.0, 1 / 60, 1 / 14), False, "csm", (20, 45)),
    "qbr": ((0.0, 0.0, 1 / 91), False, "csm", (60, 90)),
    "training": ((1 / 500, 1 / 75, 1 / 120), True, "csm", (60, 120)),
    "webinar": ((1 / 120, 1 / 40, 1 / 90), True, None, (45, 60)),
    "user_event": ((0.0, 1 / 150, 1 / 120), True, None, (120, 180)),
    "email": ((1 / 9, 1 / 30, 0.0), False, None, None),
}
MISALLOCATED_CALL_RATE = 1 / 40


def activities_table(config: GeneratorConfig, lifecycle: Lifecycle) -> pa.Table:
    rng = config.rng("activities")
    accounts = lifecycle.accounts
    timeline = lifecycle.timeline
    intervals = service_intervals(lifecycle)
    first_interval = np.unique(intervals.account, return_index=True)
    parts: list[tuple[np.ndarray, np.ndarray, int, np.ndarray, tuple[int, int] | None]] = []

    def add(activity_type: str, account: np.ndarray, day: np.ndarray, owner: np.ndarray, minutes) -> None:
        keep = (day >= 0) & (day < timeline.days)
        parts.append((account[keep], day[keep], raw_contract.ACTIVITY_TYPES.index(activity_type), owner[keep], minutes))

    def csm_or_sales(account: np.ndarray) -> np.ndarray:
        csm = accounts.csm[account]
        return np.where(csm >= 0, CSM_OWNER_OFFSET + csm, SALES_OWNER_OFFSET + accounts.sales_rep[account])

    # Kickoff within the first weeks of the first subscription, while still a customer.
    starters, first_index = first_interval
    kickoff_day = accounts.kickoff_day[starters]
    held = (kickoff_day >= 0) & (kickoff_day < intervals.end_day[first_index])
    add("kickoff_meeting", starters[held], kickoff_day[held], csm_or_sales(starters[held]), (45, 60))
    # Onboarding sessions for accounts with a CSM.
    guided = starters[(accounts.size_class[starters] != TECH_TOUCH) & (accounts.csm[starters] >= 0)]
    sessions = rng.integers(1, 4, guided.size)
    session_account = np.repeat(guided, sessions)
    session_day = accounts.onboarding_day[session_account] + rng.integers(3, 60, session_account.size)
    session_end = np.repeat(intervals.end_day[first_index][np.isin(starters, guided)], sessions)
    session_account, session_day = session_account[session_day < session_end], session_day[session_day < session_end]
    add("onboarding_session", session_account, session_day, csm_or_sales(session_account), (45, 90))

    size = accounts.size_class[intervals.account]
    for activity_type, (rates, follows_health, owner_kind, minutes) in RECURRING_ACTIVITIES.items():
        rate = np.array(rates)[size]
        if owner_kind == "csm":
            rate = np.where(accounts.csm[intervals.account] >= 0, rate, 0.0)
            rate = np.where(accounts.neglected[intervals.account], rate * 0.1, rate)
        account, day = _poisson_days(rng, intervals, rate)
        if follows_health:
            health = lifecycle.health[account, np.minimum(day, timeline.days - 1)]
            attends = rng.random(account.size) < 0.2 + 0.8 * health
            account, day = account[attends], day[attends]
        owner = CSM_OWNER_OFFSET + accounts.csm[account] if owner_kind == "csm" else np.full(account.size, -1)
        add(activity_type, account, day, owner, minutes)

    # Two CSMs spend calls on the tech-touch accounts they also carry.
    interval_csm = accounts.csm[intervals.account]
    misallocated = (size == TECH_TOUCH) & (interval_csm >= 0) & (interval_csm < MISALLOCATING_CSMS)
    account, day = _poisson_days(rng, intervals, np.where(misallocated, MISALLOCATED_CALL_RATE, 0.0))
    add("check_in_call", account, day, CSM_OWNER_OFFSET + accounts.csm[account], (20, 45))

    proposal_account, proposal_day = lifecycle.upsell_proposals
    add("upsell_proposal", proposal_account, proposal_day, csm_or_sales(proposal_account), (30, 45))

    account = np.concatenate([part[0] for part in parts])
    day = np.concatenate([part[1] for part in parts])
    kind = np.concatenate([np.full(part[0].size, part[2]) for part in parts])
    owner = np.concatenate([part[3] for part in parts])
    has_duration = np.concatenate([np.full(part[0].size, part[4] is not None) for part in parts])
    low = np.concatenate([np.full(part[0].size, part[4][0] if part[4] else 0) for part in parts])
    high = np.concatenate([np.full(part[0].size, part[4][1] if part[4] else 1) for part in parts])
    occurred = timeline.day_start_us(day) + business_time_us(rng, day.size)
    # Activities are logged after the account exists and before the end of the window.
    occurred = np.clip(occurred, accounts.created_us[account] + MICROS_PER_HOUR, timeline.end_us - 1)
    order = np.lexsort((kind, occurred))
    minutes = np.round(rng.uniform(low, high) / 5) * 5
    table = cols.build_table(
        raw_contract.table("activities"),
        {
            "activity_id": cols.sequential_ids("act_", np.arange(1, day.size + 1), 7),
            "account_id": account_ids(account[order]),
            "owner_id": owner_ids(owner[order], null_mask=owner[order] < 0),
            "activity_type": cols.pick(raw_contract.ACTIVITY_TYPES, kind[order]),
            "occurred_at": cols.timestamps(occurred[order]),
            "duration_minutes": cols.int32s(minutes[order], null_mask=~has_duration[order]),
        },
    )
    return cols.rows_where(table, lifecycle.occurred(occurred[order]))


@dataclass
class Tickets:
    account: np.ndarray
    solved_us: np.ndarray
    rated_good: np.ndarray
    table: pa.Table


def tickets_table(config: GeneratorConfig, lifecycle: Lifecycle, contacts: Contacts) -> Tickets:
    """Support tickets: unhealthy accounts open more, more urgent ones, and rate them worse."""
    rng = config.rng("tickets")
    accounts = lifecycle.accounts
    timeline = lifecycle.timeline
    intervals = service_intervals(lifecycle)
    rate = np.array([1 / 90, 1 / 40, 1 / 18])[accounts.size_class[intervals.account]]
    account, day = _poisson_days(rng, intervals, rate)
    health = lifecycle.health[account, np.minimum(day, timeline.days - 1)]
    kept = rng.random(account.size) < (0.4 + 1.2 * (1.0 - health)) / 1.6
    account, day, health = account[kept], day[kept], health[kept]
    count = account.size
    created = timeline.day_start_us(day) + business_time_us(rng, count)
    created = np.clip(created, accounts.created_us[account] + MICROS_PER_HOUR, timeline.end_us - 1)
    order = np.argsort(created, kind="stable")
    account, created, health = account[order], created[order], health[order]

    draw = rng.random(count)
    urgent, high = 0.03 + 0.12 * (1 - health), 0.10 + 0.20 * (1 - health)
    # low, normal, high, urgent
    priority = np.select([draw < urgent, draw < urgent + high, draw < urgent + high + 0.55], [3, 2, 1], default=0)
    category = rng.choice(len(raw_contract.TICKET_CATEGORIES), count, p=[0.3, 0.22, 0.1, 0.15, 0.1, 0.13])
    response_hours = np.array([8.0, 4.0, 1.5])[accounts.size_class[account]] * rng.lognormal(0.0, 0.8, count)
    first_response = created + (response_hours * MICROS_PER_HOUR).astype(np.int64)
    solve_hours = rng.lognormal(np.log(20.0), 1.0, count) * np.where(priority >= 2, 0.6, 1.0)
    solved = first_response + (solve_hours * MICROS_PER_HOUR).astype(np.int64)

    # Status and timestamps as known at the end date; the draws cover the whole history.
    cut_us = lifecycle.cut_us
    answered = first_response < cut_us
    is_solved = solved < cut_us
    closed = is_solved & (solved < cut_us - 4 * MICROS_PER_DAY) & (rng.random(count) < 0.8)
    waiting = np.where(rng.random(count) < 0.5, 1, 2)  # open / pending
    status = np.where(~answered, 0, np.where(~is_solved, waiting, np.where(closed, 4, 3)))
    solved_eventually = solved < timeline.end_us
    rated_eventually = solved_eventually & (rng.random(count) < 0.45)
    rated = rated_eventually & is_solved
    good = rng.random(count) < 0.45 + 0.5 * health - np.where(priority == 3, 0.15, 0.0)
    requester = contacts.pick(rng, account, created)
    no_requester = rng.random(count) < 0.1
    table = cols.build_table(
        raw_contract.table("tickets"),
        {
            "ticket_id": cols.sequential_ids("tkt_", np.arange(1, count + 1), 6),
            "account_id": account_ids(account),
            "requester_email": cols.strings(
                [
                    None if skip else contacts.emails[contact]
                    for contact, skip in zip(requester, no_requester, strict=True)
                ]
            ),
            "created_at": cols.timestamps(created),
            "first_response_at": cols.timestamps(np.where(answered, first_response, NULL_TIMESTAMP)),
            "solved_at": cols.timestamps(np.where(is_solved, solved, NULL_TIMESTAMP)),
            "status": cols.pick(raw_contract.TICKET_STATUSES, status),
            "priority": cols.pick(raw_contract.TICKET_PRIORITIES, priority),
            "category": cols.pick(raw_contract.TICKET_CATEGORIES, category),
            "satisfaction_rating": cols.pick(("good", "bad"), np.where(good, 0, 1), null_mask=~rated),
        },
    )
    table = cols.rows_where(table, lifecycle.occurred(created))
    return Tickets(account, np.where(solved_eventually, solved, NULL_TIMESTAMP), rated_eventually & good, table)


def survey_responses_table(
    config: GeneratorConfig, lifecycle: Lifecycle, contacts: Contacts, tickets: Tickets
) -> pa.Table:
    """NPS a few times a year per account and CSAT after solved tickets; scores follow health.
    A few rows carry null or out-of-range scores, as survey tools sometimes send."""
    rng = config.rng("surveys")
    accounts = lifecycle.accounts
    timeline = lifecycle.timeline
    intervals = service_intervals(lifecycle)
    rate = np.array([1 / 150, 1 / 110, 1 / 75])[accounts.size_class[intervals.account]]
    nps_account, nps_day = _poisson_days(rng, intervals, rate)
    nps_health = lifecycle.health[nps_account, np.minimum(nps_day, timeline.days - 1)]
    answers = rng.random(nps_account.size) < 0.7 + 0.3 * nps_health
    nps_account, nps_day, nps_health = nps_account[answers], nps_day[answers], nps_health[answers]
    nps_score = np.clip(np.round(rng.normal(2.0 + 10.3 * nps_health, 1.5)), 0, 10)
    nps_at = timeline.day_start_us(nps_day) + business_time_us(rng, nps_day.size)

    surveyed = np.flatnonzero((tickets.solved_us != NULL_TIMESTAMP) & (rng.random(tickets.account.size) < 0.4))
    csat_account = tickets.account[surveyed]
    csat_at = tickets.solved_us[surveyed] + (rng.uniform(0.05, 3.0, surveyed.size) * MICROS_PER_DAY).astype(np.int64)
    in_window = csat_at < timeline.end_us
    surveyed, csat_account, csat_at = surveyed[in_window], csat_account[in_window], csat_at[in_window]
    csat_health = lifecycle.health[csat_account, np.minimum(timeline.day_of(csat_at), timeline.days - 1)]
    csat_score = np.clip(
        np.round(rng.normal(2.6 + 2.8 * csat_health + np.where(tickets.rated_good[surveyed], 0.4, -0.2), 0.8)), 1, 5
    )

    account = np.concatenate([nps_account, csat_account])
    responded = np.clip(
        np.concatenate([nps_at, csat_at]), accounts.created_us[account] + MICROS_PER_HOUR, timeline.end_us - 1
    )
    is_csat = np.concatenate([np.zeros(nps_account.size, dtype=bool), np.ones(csat_account.size, dtype=bool)])
    score = np.concatenate([nps_score, csat_score]).astype(np.int64)
    count = account.size
    null_score = np.zeros(count, dtype=bool)
    bad_rows = rng.choice(count, min(count, 2 * max(3, count // 500)), replace=False)
    null_score[bad_rows[: bad_rows.size // 2]] = True
    out_of_range = bad_rows[bad_rows.size // 2 :]
    score[out_of_range] = np.where(
        is_csat[out_of_range], rng.choice([0, 6], out_of_range.size), rng.choice([-1, 11, 12], out_of_range.size)
    )

    # Comments echo the score: detractor (NPS 0-6, CSAT 1-2), passive, promoter (NPS 9-10, CSAT 4-5).
    unhappy = np.where(is_csat, score <= 2, score <= 6)
    happy = np.where(is_csat, score >= 4, score >= 9)
    mood = np.select([unhappy, happy], ["detractor", "promoter"], default="passive")
    has_comment = rng.random(count) < 0.35
    pick = rng.integers(0, 1 << 16, count)
    comments = [
        NPS_COMMENTS[feeling][choice % len(NPS_COMMENTS[feeling])] if commented else None
        for feeling, choice, commented in zip(mood, pick, has_comment, strict=True)
    ]
    contact = contacts.pick(rng, account, responded)
    anonymous = rng.random(count) < 0.08
    order = np.argsort(responded, kind="stable")
    table = cols.build_table(
        raw_contract.table("survey_responses"),
        {
            "response_id": cols.sequential_ids("rsp_", np.arange(1, count + 1), 6),
            "account_id": account_ids(account[order]),
            "contact_id": cols.with_nulls(cols.sequential_ids("con_", contact[order] + 1, 6), anonymous[order]),
            "survey_type": cols.pick(raw_contract.SURVEY_TYPES, is_csat[order].astype(np.int64)),
            "score": cols.int32s(score[order], null_mask=null_score[order]),
            "comment": cols.strings([comments[index] for index in order]),
            "responded_at": cols.timestamps(responded[order]),
        },
    )
    return cols.rows_where(table, lifecycle.occurred(responded[order]))
