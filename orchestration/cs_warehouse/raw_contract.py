"""The raw source contract (docs/raw_contract.md) as data.

One `Table` per raw table with its columns (SQL type, Arrow type, nullability, enum values,
foreign key), primary key and file layout under RAW_DATA_DIR. The demo generator builds its Arrow
schemas from here and data-quality suites check landed files against it, so the contract is
written down once.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

# SQL types of the contract and the Arrow type a Parquet file must carry for each.
# Timestamps are naive UTC instants in microseconds.
ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
    "DECIMAL(18,2)": pa.decimal128(18, 2),
    "DECIMAL(5,2)": pa.decimal128(5, 2),
}

# Valid score range per survey_type (inclusive); other scores are invalid input.
SURVEY_SCORE_RANGES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5)}


@dataclass(frozen=True)
class ForeignKey:
    table: str
    column: str


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    nullable: bool = False
    # Allowed values; None = free text.
    enum: tuple[str, ...] | None = None
    # True when the contract lists known values but real feeds may bring others
    # (e.g. unknown event names, new product lines, new currencies).
    enum_is_open: bool = False
    references: ForeignKey | None = None
    # Inclusive numeric bounds; None = unbounded on that side.
    min_value: float | None = None
    max_value: float | None = None

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.sql_type]


@dataclass(frozen=True)
class Table:
    source: str
    name: str
    columns: tuple[Column, ...]
    primary_key: str
    # Path relative to RAW_DATA_DIR: a Parquet file, or a directory whose Parquet files at any
    # depth together form the table.
    path: str
    is_directory: bool = False

    @property
    def qualified_name(self) -> str:
        return f"{self.source}.{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.qualified_name} has no column {name!r}")

    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(column.name, column.arrow_type, nullable=column.nullable) for column in self.columns]
        )

    @property
    def foreign_keys(self) -> tuple[tuple[str, ForeignKey], ...]:
        return tuple((column.name, column.references) for column in self.columns if column.references)


def _ref(table: str, column: str) -> ForeignKey:
    return ForeignKey(table, column)


def _varchar(name: str, **kwargs) -> Column:
    return Column(name, "VARCHAR", **kwargs)


def _timestamp(name: str, nullable: bool = False) -> Column:
    return Column(name, "TIMESTAMP", nullable=nullable)


def _money(name: str) -> Column:
    return Column(name, "DECIMAL(18,2)", min_value=0)


ACCOUNT_ID = _varchar("account_id", references=_ref("accounts", "account_id"))

ACQUISITION_CHANNELS = ("organic_search", "paid_search", "referral", "partner", "event", "outbound")
OWNER_ROLES = ("csm", "cs_manager", "sales")
ACTIVITY_TYPES = (
    "kickoff_meeting",
    "onboarding_session",
    "check_in_call",
    "qbr",
    "training",
    "webinar",
    "user_event",
    "email",
    "upsell_proposal",
)
TICKET_STATUSES = ("new", "open", "pending", "solved", "closed")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_CATEGORIES = ("how_to", "bug", "billing", "feature_request", "login", "other")
SATISFACTION_RATINGS = ("good", "bad")
SURVEY_TYPES = ("nps", "csat")
PRODUCT_IDS = ("core", "analytics_addon", "integrations_addon")
TIERS = ("starter", "standard", "premium", "enterprise", "addon")
BILLING_INTERVALS = ("month", "year")
CURRENCIES = ("JPY", "USD")
SUBSCRIPTION_STATUSES = ("trialing", "active", "past_due", "canceled")
CANCEL_REASONS = (
    "too_expensive",
    "missing_features",
    "hard_to_use",
    "switched_competitor",
    "no_longer_needed",
    "other",
)
INVOICE_STATUSES = ("draft", "open", "paid", "void", "uncollectible")
INVOICE_LINE_TYPES = ("subscription", "proration", "one_time")
USER_ROLES = ("admin", "member")
EVENT_NAMES = (
    "login",
    "project_created",
    "task_created",
    "task_completed",
    "project_completed",
    "comment_added",
    "file_uploaded",
    "user_invited",
    "report_exported",
    "dashboard_viewed",
    "integration_connected",
)
PLATFORMS = ("web", "ios", "android", "api")

TABLES: tuple[Table, ...] = (
    Table(
        "crm",
        "accounts",
        (
            _varchar("account_id"),
            _varchar("account_name"),
            _varchar("industry"),
            _varchar("country"),
            Column("employee_count", "INTEGER", nullable=True, min_value=0),
            _varchar("csm_owner_id", nullable=True, references=_ref("owners", "owner_id")),
            _varchar("acquisition_channel", enum=ACQUISITION_CHANNELS),
            _varchar("landing_page_variant", nullable=True, enum=("A", "B"), enum_is_open=True),
            _timestamp("created_at"),
            _timestamp("updated_at"),
            Column("is_deleted", "BOOLEAN"),
        ),
        primary_key="account_id",
        path="crm/accounts.parquet",
    ),
    Table(
        "crm",
        "contacts",
        (
            _varchar("contact_id"),
            ACCOUNT_ID,
            _varchar("email"),
            _varchar("full_name"),
            _varchar("job_title", nullable=True),
            Column("is_primary", "BOOLEAN"),
            _timestamp("created_at"),
        ),
        primary_key="contact_id",
        path="crm/contacts.parquet",
    ),
    Table(
        "crm",
        "owners",
        (
            _varchar("owner_id"),
            _varchar("full_name"),
            _varchar("email"),
            _varchar("role", enum=OWNER_ROLES),
            _varchar("manager_id", nullable=True, references=_ref("owners", "owner_id")),
            Column("is_active", "BOOLEAN"),
        ),
        primary_key="owner_id",
        path="crm/owners.parquet",
    ),
    Table(
        "crm",
        "activities",
        (
            _varchar("activity_id"),
            ACCOUNT_ID,
            _varchar("owner_id", nullable=True, references=_ref("owners", "owner_id")),
            _varchar("activity_type", enum=ACTIVITY_TYPES),
            _timestamp("occurred_at"),
            Column("duration_minutes", "INTEGER", nullable=True, min_value=0),
        ),
        primary_key="activity_id",
        path="crm/activities.parquet",
    ),
    Table(
        "crm",
        "tickets",
        (
            _varchar("ticket_id"),
            ACCOUNT_ID,
            _varchar("requester_email", nullable=True),
            _timestamp("created_at"),
            _timestamp("first_response_at", nullable=True),
            _timestamp("solved_at", nullable=True),
            _varchar("status", enum=TICKET_STATUSES),
            _varchar("priority", enum=TICKET_PRIORITIES),
            _varchar("category", enum=TICKET_CATEGORIES),
            _varchar("satisfaction_rating", nullable=True, enum=SATISFACTION_RATINGS),
        ),
        primary_key="ticket_id",
        path="crm/tickets.parquet",
    ),
    Table(
        "crm",
        "survey_responses",
        (
            _varchar("response_id"),
            ACCOUNT_ID,
            _varchar("contact_id", nullable=True, references=_ref("contacts", "contact_id")),
            _varchar("survey_type", enum=SURVEY_TYPES),
            # Range depends on survey_type (SURVEY_SCORE_RANGES); nulls occur in real feeds.
            Column("score", "INTEGER", nullable=True),
            _varchar("comment", nullable=True),
            _timestamp("responded_at"),
        ),
        primary_key="response_id",
        path="crm/survey_responses.parquet",
    ),
    Table(
        "billing",
        "plans",
        (
            _varchar("plan_id"),
            _varchar("product_id", enum=PRODUCT_IDS, enum_is_open=True),
            _varchar("product_name"),
            _varchar("plan_name"),
            _varchar("tier", enum=TIERS),
            Column("tier_rank", "INTEGER", min_value=0),
            _varchar("billing_interval", enum=BILLING_INTERVALS),
            _money("unit_amount"),
            _varchar("currency", enum=CURRENCIES, enum_is_open=True),
            Column("is_per_seat", "BOOLEAN"),
        ),
        primary_key="plan_id",
        path="billing/plans.parquet",
    ),
    Table(
        "billing",
        "subscriptions",
        (
            _varchar("subscription_id"),
            ACCOUNT_ID,
            _varchar("status", enum=SUBSCRIPTION_STATUSES),
            _varchar("currency", enum=CURRENCIES, enum_is_open=True),
            _timestamp("created_at"),
            _timestamp("trial_end_at", nullable=True),
            _timestamp("started_at", nullable=True),
            _timestamp("canceled_at", nullable=True),
            _timestamp("ended_at", nullable=True),
            _varchar("cancel_reason", nullable=True, enum=CANCEL_REASONS),
        ),
        primary_key="subscription_id",
        path="billing/subscriptions.parquet",
    ),
    Table(
        "billing",
        "subscription_items",
        (
            _varchar("subscription_item_id"),
            _varchar("subscription_id", references=_ref("subscriptions", "subscription_id")),
            _varchar("plan_id", references=_ref("plans", "plan_id")),
            Column("quantity", "INTEGER", min_value=0),
            Column("discount_pct", "DECIMAL(5,2)", min_value=0, max_value=100),
            _timestamp("valid_from"),
            _timestamp("valid_to", nullable=True),
        ),
        primary_key="subscription_item_id",
        path="billing/subscription_items.parquet",
    ),
    Table(
        "billing",
        "invoices",
        (
            _varchar("invoice_id"),
            ACCOUNT_ID,
            _varchar("subscription_id", nullable=True, references=_ref("subscriptions", "subscription_id")),
            _varchar("status", enum=INVOICE_STATUSES),
            _varchar("currency", enum=CURRENCIES, enum_is_open=True),
            _money("total"),
            _money("amount_paid"),
            _timestamp("created_at"),
            _timestamp("due_at"),
            _timestamp("paid_at", nullable=True),
        ),
        primary_key="invoice_id",
        path="billing/invoices.parquet",
    ),
    Table(
        "billing",
        "invoice_lines",
        (
            _varchar("invoice_line_id"),
            _varchar("invoice_id", references=_ref("invoices", "invoice_id")),
            _varchar(
                "subscription_item_id",
                nullable=True,
                references=_ref("subscription_items", "subscription_item_id"),
            ),
            _varchar("plan_id", nullable=True, references=_ref("plans", "plan_id")),
            _varchar("line_type", enum=INVOICE_LINE_TYPES),
            Column("quantity", "INTEGER", min_value=0),
            _money("amount"),
            _timestamp("period_start"),
            _timestamp("period_end"),
        ),
        primary_key="invoice_line_id",
        path="billing/invoice_lines.parquet",
    ),
    Table(
        "product",
        "users",
        (
            _varchar("user_id"),
            ACCOUNT_ID,
            _varchar("email"),
            _varchar("role", enum=USER_ROLES),
            _timestamp("created_at"),
            _timestamp("deactivated_at", nullable=True),
        ),
        primary_key="user_id",
        path="product/users.parquet",
    ),
    Table(
        "product",
        "events",
        (
            _varchar("event_id"),
            _varchar("user_id", references=_ref("users", "user_id")),
            ACCOUNT_ID,
            _varchar("event_name", enum=EVENT_NAMES, enum_is_open=True),
            _timestamp("occurred_at"),
            _timestamp("received_at"),
            _varchar("platform", enum=PLATFORMS),
            _varchar("properties", nullable=True),
        ),
        primary_key="event_id",
        path="product/events",
        is_directory=True,
    ),
)

TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}


def table(name: str) -> Table:
    """The contract of one raw table, by its name (e.g. `accounts`, `events`)."""
    return TABLES_BY_NAME[name]
