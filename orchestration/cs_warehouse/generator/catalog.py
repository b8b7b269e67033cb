"""Static reference data of the demo company: price list, staff, and name pools."""

from __future__ import annotations

from dataclasses import dataclass

CURRENCIES = ("JPY", "USD")
# Monthly list prices in hundredths of the currency (JPY prices are whole yen; USD ~ JPY / 150).
CORE_TIERS = ("starter", "standard", "premium", "enterprise")
CORE_SEAT_PRICE = {
    "JPY": (100_000, 150_000, 250_000, 400_000),
    "USD": (700, 1_000, 1_700, 2_700),
}
ADDON_PRODUCTS = ("analytics_addon", "integrations_addon")
ADDON_FLAT_PRICE = {
    "JPY": (2_000_000, 800_000),
    "USD": (13_500, 5_500),
}
PRODUCT_NAMES = {
    "core": "Project Management",
    "analytics_addon": "Analytics Add-on",
    "integrations_addon": "Integrations Add-on",
}
BILLING_INTERVALS = ("month", "year")
# A yearly plan costs ten months (two months free).
YEARLY_PRICE_MONTHS = 10


@dataclass(frozen=True)
class Plan:
    plan_id: str
    product_id: str
    tier: str
    tier_rank: int
    billing_interval: str
    currency: str
    unit_hundredths: int
    is_per_seat: bool

    @property
    def product_name(self) -> str:
        return PRODUCT_NAMES[self.product_id]

    @property
    def plan_name(self) -> str:
        interval = "Monthly" if self.billing_interval == "month" else "Annual"
        label = self.tier.title() if self.product_id == "core" else self.product_name
        return f"{label} {interval} ({self.currency})"


def plan_key(product_id: str, tier: str, interval: str, currency: str) -> str:
    return f"plan_{product_id}_{tier}_{interval}_{currency}".lower()


def _plan(
    product_id: str, tier: str, tier_rank: int, interval: str, currency: str, monthly: int, per_seat: bool
) -> Plan:
    price = monthly * (YEARLY_PRICE_MONTHS if interval == "year" else 1)
    plan_id = plan_key(product_id, tier, interval, currency)
    return Plan(plan_id, product_id, tier, tier_rank, interval, currency, price, per_seat)


def price_list() -> tuple[Plan, ...]:
    plans = []
    for currency in CURRENCIES:
        for interval in BILLING_INTERVALS:
            for rank, tier in enumerate(CORE_TIERS, start=1):
                plans.append(_plan("core", tier, rank, interval, currency, CORE_SEAT_PRICE[currency][rank - 1], True))
            for addon, price in zip(ADDON_PRODUCTS, ADDON_FLAT_PRICE[currency], strict=True):
                plans.append(_plan(addon, "addon", 1, interval, currency, price, False))
    return tuple(plans)


# Staff: CS managers lead the CSMs; the first CSMs of the list also carry a pool of tech-touch
# accounts and spend their calls there, a misallocation of CS effort.
CS_MANAGER_COUNT = 3
CSM_COUNT = 12
SALES_COUNT = 4
MISALLOCATING_CSMS = 2

FIRST_NAMES = (
    "Haruto",
    "Yui",
    "Sota",
    "Aoi",
    "Ren",
    "Hina",
    "Yuto",
    "Mio",
    "Kaito",
    "Sakura",
    "Riku",
    "Yuna",
    "Daiki",
    "Miyu",
    "Kenta",
    "Akari",
    "Shota",
    "Nanami",
    "Takumi",
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Ava",
    "Lucas",
    "Mia",
    "Ethan",
    "Sofia",
    "James",
    "Chloe",
    "Daniel",
    "Grace",
    "Wei",
    "Min-jun",
    "Priya",
    "Arjun",
    "Lena",
    "Jonas",
    "Clara",
    "Mateo",
)
LAST_NAMES = (
    "Sato",
    "Suzuki",
    "Takahashi",
    "Tanaka",
    "Watanabe",
    "Ito",
    "Yamamoto",
    "Nakamura",
    "Kobayashi",
    "Kato",
    "Yoshida",
    "Yamada",
    "Sasaki",
    "Matsumoto",
    "Inoue",
    "Kimura",
    "Hayashi",
    "Shimizu",
    "Smith",
    "Johnson",
    "Brown",
    "Garcia",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Lee",
    "Martin",
    "Clark",
    "Chen",
    "Wang",
    "Kim",
    "Patel",
    "Mueller",
    "Schmidt",
    "Rossi",
    "Silva",
)
COMPANY_STEMS = (
    "Aozora",
    "Hikari",
    "Kaze",
    "Midori",
    "Sakura",
    "Yamato",
    "Fuji",
    "Kawa",
    "Tsubasa",
    "Hoshi",
    "Asahi",
    "Nami",
    "Mirai",
    "Kizuna",
    "Shinrai",
    "Daichi",
    "Kumo",
    "Tori",
    "Umi",
    "Yuki",
    "Northwind",
    "Bluepeak",
    "Ironleaf",
    "Brightpath",
    "Cedar",
    "Harbor",
    "Summit",
    "Lumen",
    "Vertex",
    "Quill",
    "Maple",
    "Orbit",
    "Pioneer",
    "Atlas",
    "Beacon",
    "Crescent",
    "Everest",
    "Falcon",
    "Granite",
    "Horizon",
)
COMPANY_NOUNS = (
    "Systems",
    "Works",
    "Labs",
    "Logistics",
    "Design",
    "Foods",
    "Robotics",
    "Consulting",
    "Media",
    "Health",
    "Energy",
    "Motors",
    "Textiles",
    "Trading",
    "Software",
    "Studio",
    "Builders",
    "Pharma",
    "Finance",
    "Retail",
    "Partners",
    "Networks",
    "Analytics",
    "Education",
)
COMPANY_SUFFIXES = ("KK", "Inc.", "Co., Ltd.", "GK", "Ltd.", "Corp.", "LLC", "GmbH")
INDUSTRIES = (
    "software",
    "manufacturing",
    "retail",
    "construction",
    "consulting",
    "media",
    "healthcare",
    "logistics",
    "education",
    "finance",
    "real_estate",
    "hospitality",
)
USD_COUNTRIES = ("US", "US", "US", "GB", "SG", "DE", "AU", "CA")
JOB_TITLES = (
    "CEO",
    "CTO",
    "Project Manager",
    "Engineering Manager",
    "Operations Lead",
    "PMO",
    "Team Lead",
    "Product Manager",
    "IT Administrator",
    "Designer",
)

NPS_COMMENTS = {
    "detractor": (
        "Too slow for our larger projects.",
        "Hard to get the team to use it.",
        "Missing Gantt export.",
        "Support took too long to answer.",
        "Pricing went up without more value.",
    ),
    "passive": ("Does the job.", "Good, but reporting could be better.", "Fine for small teams."),
    "promoter": (
        "Our whole team lives in it.",
        "Great onboarding from our CSM.",
        "Saves us hours every week.",
        "Best task board we have tried.",
    ),
}
