"""Fit the health score's component weights and formula parameters to a warehouse's own churn history,
validated out of time.

The labelled history is `marts.fct_health_score_outcomes`: every scored account-day with its four
component scores, the inputs of their capped terms, whether a churn followed within 90 days and its
back-test window (`fitting`, `gap`, `validation`; the split is defined once, in dbt). The fit sees
fitting days only; the validation window judges the proposal against the current score. See
docs/health_score_fitting.md.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import yaml
from scipy.optimize import minimize
from sklearn.metrics import roc_auc_score

from .project import REPO_ROOT

COMPONENTS = ("usage", "relationship", "satisfaction", "support")
COLORS = ("red", "yellow", "green")
OUTCOME_DAYS_TABLE = "marts.fct_health_score_outcomes"
WEIGHTS_SEED_TABLE = "reference.health_score_weights"
PARAMETERS_SEED_TABLE = "reference.health_formula_parameters"
SEED_CSV_NAME = "health_score_weights.csv"
PARAMETERS_CSV_NAME = "health_formula_parameters.csv"
MODEL_CARD_NAME = "health_score_weights_model_card.md"
# The inputs of the components' capped terms, as fct_health_score_outcomes carries them.
INPUT_COLUMNS = (
    "login_days_30d",
    "active_users_30d",
    "provisioned_users",
    "core_feature_days_30d",
    "tenure_days",
    "kickoff_held",
    "is_activated",
    "engagement_activities_90d",
    "has_expanded",
    "open_tickets",
    "urgent_tickets_90d",
    "bad_ratings_90d",
)
# The values each formula parameter (seed health_formula_parameters) is chosen from; its current value
# is always a candidate too. Caps from about a quarter to twice the shipped ones (the 30-day counts
# reach 30 at most), per-ticket penalties from half to twice the shipped ones.
PARAMETER_GRIDS: dict[str, tuple[float, ...]] = {
    "usage_login_days_cap": (5, 10, 15, 20, 25, 30),
    "usage_core_feature_days_cap": (3, 6, 9, 12, 18, 24),
    "relationship_tenure_days_cap": (90, 180, 365, 730),
    "relationship_engagement_activities_cap": (1, 2, 3, 6),
    "support_open_ticket_penalty": (0.05, 0.1, 0.2),
    "support_urgent_ticket_penalty": (0.075, 0.15, 0.3),
    "support_bad_rating_penalty": (0.125, 0.25, 0.5),
}
FORMULA_PARAMETERS = tuple(PARAMETER_GRIDS)
# A candidate value replaces a parameter's value only when it lowers the log loss on the fitting
# window's newest 90 days by more than this many standard errors of the gain (accounts resampled):
# without such evidence the current formula stays.
PARAMETER_EVIDENCE_STANDARD_ERRORS = 2.0
# ... and by at least this share of the log loss: a gain too small to matter is no reason to change a
# formula the team knows, however consistent it is.
MIN_PARAMETER_GAIN_SHARE = 0.001
# Passes over the parameters (one at a time, the others fixed) until none changes; at most this many.
MAX_PARAMETER_SWEEPS = 3
# Penalties are written with at most 4 decimals, like the seed's decimal(9,4).
PENALTY_UNITS = 10_000
# The outcome horizon: churn within this many days labels a scored day.
OUTCOME_DAYS = 90
# Below these, a fit, its shrinkage choice or its validation would mostly describe noise: say so
# instead of proposing. Every part of the fitting window's own out-of-time split needs them too.
MIN_OLDER_FITTING_DATES = 60
MIN_FITTING_CHURNED_ACCOUNTS = 20
MIN_JUDGED_CHURNED_ACCOUNTS = 10
# The validation gain's uncertainty: accounts resampled this many times, and the interval's coverage.
BOOTSTRAP_REPLICATES = 200
BOOTSTRAP_INTERVAL = 0.90
# Penalties tried on the slopes' departure from the current weights (in units of mean log loss per
# squared slope), from none to one that keeps the current weights.
PENALTY_GRID = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 1.0)
# A red list larger than this share of paying accounts is more than a CS team works through.
DEFAULT_MAX_RED_SHARE = 0.15
# Seed weights are written with two decimals, like the hand-set seed: whole hundredths.
WEIGHT_DECIMALS = 2
WEIGHT_UNITS = 10**WEIGHT_DECIMALS


class HealthFitError(Exception):
    """The history cannot support a fit; the message says what is missing and what to do."""


@dataclass(frozen=True)
class ColorThresholds:
    """dbt vars health_red_below and health_green_min: red below the first, green from the second."""

    red_below: int
    green_min: int


@dataclass(frozen=True)
class ColorOutcome:
    account_days: int
    share: float
    churned: int
    churn_rate: float | None
    lift: float | None


@dataclass(frozen=True)
class Evaluation:
    """How one score (weights + colour thresholds) ranks and sorts the days of one window."""

    auc: float
    colors: dict[str, ColorOutcome]


@dataclass(frozen=True)
class WindowSummary:
    first_day: date
    last_day: date
    account_days: int
    churned_account_days: int
    churned_accounts: int


@dataclass(frozen=True)
class ShrinkageChoice:
    """How far the fit moved from the current weights, chosen inside the fitting window."""

    older: WindowSummary
    newest: WindowSummary
    log_losses: dict[float, float]
    penalty: float


@dataclass(frozen=True)
class ParameterTrial:
    """One value of one formula parameter, the others at their proposed values, judged like a penalty:
    weights fitted on the older part of the fitting window, mean log loss on its newest 90 days."""

    parameter: str
    value: float
    log_loss: float


@dataclass(frozen=True)
class ParameterChoice:
    """How the formula parameters were chosen, inside the fitting window."""

    proposed: dict[str, float]
    # every value of every grid, each with the other parameters at their proposed values
    trials: tuple[ParameterTrial, ...]
    # changes adopted, in order: (parameter, from, to, log loss gain, its standard error)
    moves: tuple[tuple[str, float, float, float, float], ...]


@dataclass(frozen=True)
class HealthWeightsFit:
    current_weights: dict[str, float]
    proposed_weights: dict[str, float]
    shrinkage: ShrinkageChoice
    current_parameters: dict[str, float]
    proposed_parameters: dict[str, float]
    parameter_choice: ParameterChoice
    current_thresholds: ColorThresholds
    proposed_thresholds: ColorThresholds
    max_red_share: float
    fitting: WindowSummary
    validation: WindowSummary
    current_fitting: Evaluation
    proposed_fitting: Evaluation
    current_validation: Evaluation
    proposed_validation: Evaluation
    # BOOTSTRAP_INTERVAL interval of (proposed - current) validation AUC over resampled accounts
    validation_gain_interval: tuple[float, float]

    @property
    def improves_validation_auc(self) -> bool:
        return self.proposed_validation.auc > self.current_validation.auc


def configured_thresholds(project_file: Path = REPO_ROOT / "dbt_project.yml") -> ColorThresholds:
    """The colour thresholds of dbt_project.yml (the defaults every build uses without --vars)."""
    variables = yaml.safe_load(project_file.read_text())["vars"]
    return ColorThresholds(red_below=int(variables["health_red_below"]), green_min=int(variables["health_green_min"]))


def load_history(warehouse_path: Path) -> tuple[pd.DataFrame, dict[str, float], dict[str, float]]:
    """The labelled fitting and validation days, and the weights and formula parameters the warehouse
    was built with."""
    if not warehouse_path.is_file():
        raise HealthFitError(
            f"No warehouse at {warehouse_path}: build one first (`make run` or `dbt build`), or pass "
            "--warehouse / set WAREHOUSE_PATH."
        )
    with duckdb.connect(str(warehouse_path), read_only=True) as connection:
        try:
            days = connection.sql(
                f"""
                select account_id, date, {", ".join(f"{name}_score" for name in COMPONENTS)},
                    health_score, health_color, is_no_login_override, churned_within_90d, backtest_window,
                    {", ".join(INPUT_COLUMNS)}
                from {OUTCOME_DAYS_TABLE}
                where backtest_window in ('fitting', 'validation')
                order by date, account_id
                """
            ).df()
            seed_rows = connection.sql(f"select component, weight from {WEIGHTS_SEED_TABLE}").fetchall()
            parameter_rows = connection.sql(f"select parameter, value from {PARAMETERS_SEED_TABLE}").fetchall()
        except (duckdb.CatalogException, duckdb.BinderException) as error:
            raise HealthFitError(
                f"{warehouse_path} has no {OUTCOME_DAYS_TABLE} with the inputs of the components, or no "
                f"{WEIGHTS_SEED_TABLE} or {PARAMETERS_SEED_TABLE} ({error}). Rebuild it with this version "
                "of the project (`dbt build`)."
            ) from error
    weights = {component: float(weight) for component, weight in seed_rows}
    parameters = {parameter: float(value) for parameter, value in parameter_rows}
    return days, weights, parameters


def health_scores(components: np.ndarray, weights: Mapping[str, float]) -> np.ndarray:
    """The dbt formula of health_score: the weighted mean of the 0-100 components, rounded exactly (half
    up) to 2 decimals, in integers as fct_health_score_daily takes it (components in hundredths, weights
    in the seed's ten-thousandths)."""
    hundredths = np.rint(components * 100).astype(np.int64)
    weight_units = np.array([round(weights[name] * 10_000) for name in COMPONENTS], dtype=np.int64)
    weight_sum = int(weight_units.sum())
    return ((2 * (hundredths @ weight_units) + weight_sum) // (2 * weight_sum)) / 100


def health_colors(scores: np.ndarray, no_login_override: np.ndarray, thresholds: ColorThresholds) -> np.ndarray:
    """The dbt rule of health_color (the no-login override forces red whatever the score)."""
    return np.where(
        no_login_override | (scores < thresholds.red_below),
        "red",
        np.where(scores >= thresholds.green_min, "green", "yellow"),
    )


def hundredths_half_up(numerators: np.ndarray, denominators: np.ndarray | int) -> np.ndarray:
    """numerator / denominator (non-negative integers) in hundredths, rounded half up exactly: the
    macro divide_and_round of the dbt project."""
    return (200 * numerators + denominators) // (2 * denominators)


def formula_components(days: pd.DataFrame, parameters: Mapping[str, float]) -> np.ndarray:
    """The component scores (account-days x COMPONENTS, 0-100) of fct_health_score_daily's formulas
    with these formula parameters, from the days' inputs, in integers and rounded exactly (half up)
    to hundredths like dbt. Satisfaction has no parameter: its stored score is taken."""

    def column(name: str) -> np.ndarray:
        return days[name].to_numpy(dtype=np.int64)

    login_cap = int(parameters["usage_login_days_cap"])
    core_cap = int(parameters["usage_core_feature_days_cap"])
    tenure_cap = int(parameters["relationship_tenure_days_cap"])
    engagement_cap = int(parameters["relationship_engagement_activities_cap"])
    seats = np.maximum(np.maximum(column("provisioned_users"), column("active_users_30d")), 1)
    usage = hundredths_half_up(
        40 * core_cap * np.minimum(column("login_days_30d"), login_cap) * seats
        + 30 * login_cap * core_cap * column("active_users_30d")
        + 30 * login_cap * np.minimum(column("core_feature_days_30d"), core_cap) * seats,
        login_cap * core_cap * seats,
    )
    relationship = hundredths_half_up(
        30 * engagement_cap * np.minimum(np.maximum(column("tenure_days"), 0), tenure_cap)
        + 15 * tenure_cap * np.minimum(column("engagement_activities_90d"), engagement_cap)
        + (15 * column("kickoff_held") + 25 * column("is_activated") + 15 * column("has_expanded"))
        * tenure_cap
        * engagement_cap,
        tenure_cap * engagement_cap,
    )
    # 100 x (1 - min(1, penalties)) in hundredths is PENALTY_UNITS minus the penalties in ten-thousandths
    penalties = (
        round(parameters["support_open_ticket_penalty"] * PENALTY_UNITS) * column("open_tickets")
        + round(parameters["support_urgent_ticket_penalty"] * PENALTY_UNITS) * column("urgent_tickets_90d")
        + round(parameters["support_bad_rating_penalty"] * PENALTY_UNITS) * column("bad_ratings_90d")
    )
    support = PENALTY_UNITS - np.minimum(PENALTY_UNITS, penalties)
    satisfaction = np.rint(days["satisfaction_score"].to_numpy(dtype=float) * 100).astype(np.int64)
    return np.column_stack([usage, relationship, satisfaction, support]) / 100


def check_formula(days: pd.DataFrame, parameters: Mapping[str, float]) -> None:
    """The fit scores days again from their inputs: with the warehouse's own parameters it must give
    the stored component scores, or its proposals would not be what a rebuild gives."""
    missing = [name for name in FORMULA_PARAMETERS if name not in parameters]
    if missing:
        raise HealthFitError(f"The seed health_formula_parameters has no value for {', '.join(missing)}.")
    stored = days[[f"{name}_score" for name in COMPONENTS]].to_numpy(dtype=float)
    differs = (np.rint(stored * 100) != np.rint(formula_components(days, parameters) * 100)).any(axis=0)
    if differs.any():
        names = ", ".join(name for name, flag in zip(COMPONENTS, differs, strict=True) if flag)
        raise HealthFitError(
            f"The {names} scores of {OUTCOME_DAYS_TABLE} differ from the formula with the seed "
            "health_formula_parameters: the warehouse was built by another version of the project or the "
            "seed changed without a rebuild. Rebuild it (`dbt build --full-refresh -s health_formula_parameters+`)."
        )


def penalty_row_losses(
    older_components: np.ndarray,
    older_churned: np.ndarray,
    newest_components: np.ndarray,
    newest_churned: np.ndarray,
    prior_shares: np.ndarray,
) -> dict[float, np.ndarray]:
    """Each penalty of PENALTY_GRID fitted on the older part of the fitting window: its log loss on each
    account-day of the newest 90 days."""
    losses = {}
    for penalty in PENALTY_GRID:
        intercept, slopes = penalised_logistic_fit(older_components, older_churned, prior_shares, penalty)
        losses[penalty] = row_log_losses(intercept, slopes, newest_components, newest_churned)
    return losses


def chosen_penalty(mean_losses: Mapping[float, float]) -> float:
    """The penalty whose fit predicts the newest 90 days best; the strongest among (numerically) equal
    losses: move away from the trusted weights only for a gain."""
    best = min(mean_losses.values())
    return max(penalty for penalty, loss in mean_losses.items() if loss <= best + 1e-12)


def choose_formula_parameters(
    older: pd.DataFrame,
    newest: pd.DataFrame,
    prior_shares: np.ndarray,
    current_parameters: Mapping[str, float],
    progress: Callable[[str], None] = lambda message: None,
) -> ParameterChoice:
    """Formula parameters chosen on the fitting window's own out-of-time split, jointly with the weights.

    A set of parameters is judged by the log loss, on each account-day of the newest 90 days, of the
    weights fitted on the older part with the penalty that predicts those days best (as for the
    weights alone). Starting from the current parameters, each parameter in turn tries every value of
    its grid, the others fixed; the best value replaces the parameter's value only when its gain in
    mean log loss exceeds PARAMETER_EVIDENCE_STANDARD_ERRORS standard errors (accounts resampled:
    days of one account are not independent) and MIN_PARAMETER_GAIN_SHARE of the log loss. Passes
    repeat until none moves. Deterministic.
    """
    older_churned = older["churned_within_90d"].to_numpy(dtype=bool)
    newest_churned = newest["churned_within_90d"].to_numpy(dtype=bool)
    newest_accounts = np.unique(newest["account_id"].to_numpy(), return_inverse=True)[1]
    judged: dict[tuple[float, ...], np.ndarray] = {}

    def row_losses(parameters: Mapping[str, float]) -> np.ndarray:
        key = tuple(parameters[name] for name in FORMULA_PARAMETERS)
        if key not in judged:
            losses = penalty_row_losses(
                formula_components(older, parameters),
                older_churned,
                formula_components(newest, parameters),
                newest_churned,
                prior_shares,
            )
            judged[key] = losses[chosen_penalty({penalty: float(loss.mean()) for penalty, loss in losses.items()})]
        return judged[key]

    def candidates(name: str) -> list[float]:
        return sorted({*PARAMETER_GRIDS[name], current_parameters[name]})

    proposed = {name: float(current_parameters[name]) for name in FORMULA_PARAMETERS}
    moves = []
    for sweep in range(1, MAX_PARAMETER_SWEEPS + 1):
        moved = False
        for name in FORMULA_PARAMETERS:
            progress(f"Formula parameters, pass {sweep}: trying {len(candidates(name))} values of {name}")
            incumbent = row_losses(proposed)
            min_gain = MIN_PARAMETER_GAIN_SHARE * float(incumbent.mean())
            best = None
            for value in candidates(name):
                if value == proposed[name]:
                    continue
                gain, standard_error = clustered_mean_gain(
                    incumbent - row_losses({**proposed, name: value}), newest_accounts
                )
                evident = gain > max(PARAMETER_EVIDENCE_STANDARD_ERRORS * standard_error, min_gain)
                if evident and (best is None or gain > best[1]):
                    best = (value, gain, standard_error)
            if best is not None:
                moves.append((name, proposed[name], *best))
                proposed[name] = best[0]
                moved = True
        if not moved:
            break
    trials = tuple(
        ParameterTrial(name, value, float(row_losses({**proposed, name: value}).mean()))
        for name in FORMULA_PARAMETERS
        for value in candidates(name)
    )
    return ParameterChoice(proposed=proposed, trials=trials, moves=tuple(moves))


def clustered_mean_gain(row_gains: np.ndarray, accounts: np.ndarray) -> tuple[float, float]:
    """The mean of per-day gains and its standard error when accounts (each with all its days) are the
    independent units: the sandwich (cluster-robust) estimate."""
    mean = float(row_gains.mean())
    per_account = np.bincount(accounts, row_gains) - mean * np.bincount(accounts)
    clusters = len(per_account)
    variance = clusters / max(clusters - 1, 1) * float(per_account @ per_account) / len(row_gains) ** 2
    return mean, math.sqrt(variance)


def fit_component_weights(
    fitting: pd.DataFrame, current_weights: Mapping[str, float], parameters: Mapping[str, float]
) -> tuple[dict[str, float], ShrinkageChoice]:
    """Non-negative weights summing to 1 (two decimals) fitted to the fitting window's churn, the
    components scored with these formula parameters, shrunk toward the current weights as far as an
    out-of-time split of the fitting window asks.

    Each penalty of PENALTY_GRID is fitted on the window's older part and scored (mean log loss) on its
    newest 90 days; the penalty that predicts them best (the stronger one among equals) is refitted on
    the whole window. Deterministic.
    """
    prior = prior_shares(current_weights)
    older, newest = inner_split(fitting)
    losses = penalty_row_losses(
        formula_components(older, parameters),
        older["churned_within_90d"].to_numpy(dtype=bool),
        formula_components(newest, parameters),
        newest["churned_within_90d"].to_numpy(dtype=bool),
        prior,
    )
    log_losses = {penalty: float(loss.mean()) for penalty, loss in losses.items()}
    chosen = chosen_penalty(log_losses)
    _, slopes = penalised_logistic_fit(
        formula_components(fitting, parameters), fitting["churned_within_90d"].to_numpy(dtype=bool), prior, chosen
    )
    if slopes.sum() <= 0:
        raise HealthFitError(
            "No component scores lower before churn on the fitting window (every fitted slope is 0): "
            "there is nothing to weight. Keep the current weights."
        )
    units = rounded_weight_units(slopes / slopes.sum())
    choice = ShrinkageChoice(
        older=summarize_window(older),
        newest=summarize_window(newest),
        log_losses=log_losses,
        penalty=chosen,
    )
    return {name: int(units[index]) / WEIGHT_UNITS for index, name in enumerate(COMPONENTS)}, choice


def prior_shares(current_weights: Mapping[str, float]) -> np.ndarray:
    prior = np.array([current_weights[name] for name in COMPONENTS], dtype=float)
    return prior / prior.sum()


def inner_split(fitting: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The fitting window split like the warehouse's windows: its newest 90 days, and its days up to
    180 days before its end (the 90 days between are left out, so that no churn labels both parts)."""
    days_before_end = (fitting["date"].max() - fitting["date"]).dt.days
    return fitting[days_before_end >= 2 * OUTCOME_DAYS], fitting[days_before_end < OUTCOME_DAYS]


def row_log_losses(intercept: float, slopes: np.ndarray, components: np.ndarray, churned: np.ndarray) -> np.ndarray:
    """Negative log likelihood of each label under P(churn) = sigmoid(intercept - slopes . x / 100)."""
    logits = intercept - (components / 100.0) @ slopes
    # log(1 + e^z) - y z, written stably
    return np.logaddexp(0.0, logits) - churned * logits


def penalised_logistic_fit(
    components: np.ndarray, churned: np.ndarray, prior_shares: np.ndarray, penalty: float
) -> tuple[float, np.ndarray]:
    """Logistic regression of churn on the components, every slope >= 0, shrunk toward the prior's shares.

    P(churn within 90 days) = sigmoid(intercept - sum_k b_k x_k), x_k the component score / 100, every
    b_k >= 0 (a higher component never means more risk), minimising the mean log loss plus
    penalty * |b - sum(b) * prior_shares|^2: a ridge on the slopes' departure from the prior's direction,
    whatever their overall size. Penalty 0 is the plain constrained fit; a large penalty gives the
    prior's shares. Solved by L-BFGS-B (a convex problem, a fixed start and row order: deterministic).
    """
    features = components / 100.0
    labels = churned.astype(float)
    base_rate = float(np.clip(labels.mean(), 1e-6, 1 - 1e-6))

    def objective(parameters: np.ndarray) -> tuple[float, np.ndarray]:
        intercept, slopes = parameters[0], parameters[1:]
        logits = intercept - features @ slopes
        # log(1 + e^z), stably; the probability sigmoid(z) from it costs one exp more
        softplus = np.logaddexp(0.0, logits)
        residuals = np.exp(logits - softplus) - labels
        departure = slopes - slopes.sum() * prior_shares
        loss = (softplus.sum() - labels @ logits) / len(labels) + penalty * departure @ departure
        slope_gradient = -(features.T @ residuals) / len(labels) + 2 * penalty * (departure - departure @ prior_shares)
        return float(loss), np.concatenate(([residuals.mean()], slope_gradient))

    start = np.zeros(len(COMPONENTS) + 1)
    start[0] = math.log(base_rate / (1 - base_rate))
    result = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(None, None)] + [(0.0, None)] * len(COMPONENTS),
        options={"maxiter": 2000, "ftol": 1e-12, "gtol": 1e-9},
    )
    # A line search that cannot improve further at a gradient of about 0 has converged too (at the
    # bound 0, a slope's gradient only has to point outward).
    at_bound = np.concatenate(([False], result.x[1:] <= 0.0)) & (result.jac > 0)
    if not result.success and np.abs(np.where(at_bound, 0.0, result.jac)).max() > 1e-6:
        raise HealthFitError(f"The logistic fit of the health weights did not converge ({result.message}).")
    return float(result.x[0]), np.maximum(result.x[1:], 0.0)


def rounded_weight_units(shares: np.ndarray) -> np.ndarray:
    """Shares as whole hundredths summing to exactly WEIGHT_UNITS (largest remainders get the units)."""
    scaled = shares * WEIGHT_UNITS
    units = np.floor(scaled).astype(int)
    missing = WEIGHT_UNITS - int(units.sum())
    # ties broken by component order, so the rounding is deterministic
    for index in sorted(range(len(shares)), key=lambda i: (-(scaled[i] - units[i]), i))[:missing]:
        units[index] += 1
    return units


def color_thresholds_for_workload(
    scores: np.ndarray,
    no_login_override: np.ndarray,
    current_colors: np.ndarray,
    max_red_share: float,
) -> ColorThresholds:
    """Colour thresholds that keep the lists the size they are now, the red one at most max_red_share.

    Rule, on the fitting window's account-days: red_below is the highest integer score whose red share
    (no-login overrides included) does not exceed min(the current red share, max_red_share); green_min is
    the lowest integer above red_below whose green share does not exceed the current green share.
    """
    red_target = min(float(np.mean(current_colors == "red")), max_red_share)
    green_target = float(np.mean(current_colors == "green"))
    red_below = max(
        (t for t in range(0, 101) if np.mean(no_login_override | (scores < t)) <= red_target),
        default=0,
    )
    green_min = min(
        (t for t in range(red_below + 1, 102) if np.mean(~no_login_override & (scores >= t)) <= green_target),
    )
    return ColorThresholds(red_below=red_below, green_min=green_min)


def evaluate(scores: np.ndarray, colors: np.ndarray, churned: np.ndarray) -> Evaluation:
    """AUC of "lower score = riskier" (ties count one half, like the mart) and the outcome per colour."""
    overall_rate = churned.mean()
    outcomes = {}
    for color in COLORS:
        in_color = colors == color
        days = int(in_color.sum())
        churned_days = int(churned[in_color].sum())
        rate = churned_days / days if days else None
        outcomes[color] = ColorOutcome(
            account_days=days,
            share=days / len(colors),
            churned=churned_days,
            churn_rate=rate,
            lift=rate / overall_rate if rate is not None and overall_rate > 0 else None,
        )
    return Evaluation(auc=float(roc_auc_score(churned, -scores)), colors=outcomes)


def auc_gain_interval(
    current_scores: np.ndarray, proposed_scores: np.ndarray, churned: np.ndarray, account_ids: np.ndarray
) -> tuple[float, float]:
    """How much the AUC gain of the proposed over the current score moves when the window's accounts are
    resampled (with replacement, each account with all its days; a fixed seed: deterministic)."""
    accounts, account_index = np.unique(account_ids, return_inverse=True)
    current_ranks = np.unique(current_scores, return_inverse=True)[1]
    proposed_ranks = np.unique(proposed_scores, return_inverse=True)[1]
    random = np.random.default_rng(0)
    gains = []
    for _ in range(BOOTSTRAP_REPLICATES):
        draws = np.bincount(random.integers(0, len(accounts), len(accounts)), minlength=len(accounts))
        weights = draws[account_index].astype(float)
        if 0 < weights[churned].sum() < weights.sum():
            gains.append(weighted_auc(proposed_ranks, churned, weights) - weighted_auc(current_ranks, churned, weights))
    tail = (1 - BOOTSTRAP_INTERVAL) / 2
    low, high = np.quantile(gains, [tail, 1 - tail])
    return float(low), float(high)


def weighted_auc(ranks: np.ndarray, churned: np.ndarray, weights: np.ndarray) -> float:
    """AUC of "lower score = riskier" with row weights, ties counting one half, from the scores' dense
    ranks (0 = lowest) in O(rows): the weighted Mann-Whitney statistic."""
    levels = int(ranks.max()) + 1
    churned_at = np.bincount(ranks[churned], weights[churned], minlength=levels)
    retained_at = np.bincount(ranks[~churned], weights[~churned], minlength=levels)
    retained_above = retained_at[::-1].cumsum()[::-1] - retained_at
    return float((churned_at * (retained_above + 0.5 * retained_at)).sum() / (churned_at.sum() * retained_at.sum()))


def summarize_window(days: pd.DataFrame) -> WindowSummary:
    return WindowSummary(
        first_day=days["date"].min().date(),
        last_day=days["date"].max().date(),
        account_days=len(days),
        churned_account_days=int(days["churned_within_90d"].sum()),
        churned_accounts=int(days.loc[days["churned_within_90d"], "account_id"].nunique()),
    )


def check_history(days: pd.DataFrame) -> None:
    """Refuse to fit on too little history, naming what is missing."""
    fitting = days[days["backtest_window"] == "fitting"]
    validation = days[days["backtest_window"] == "validation"]
    older, newest = inner_split(fitting) if len(fitting) else (fitting, fitting)

    def churned_accounts(window: pd.DataFrame) -> int:
        return window.loc[window["churned_within_90d"], "account_id"].nunique()

    if (
        older["date"].nunique() < MIN_OLDER_FITTING_DATES
        or churned_accounts(fitting) < MIN_FITTING_CHURNED_ACCOUNTS
        or min(churned_accounts(older), churned_accounts(newest), churned_accounts(validation))
        < MIN_JUDGED_CHURNED_ACCOUNTS
    ):
        raise HealthFitError(
            "Too little history to fit the health weights: the fitting window (scored days up to "
            f"as_of_date - 270) has {fitting['date'].nunique()} days and {churned_accounts(fitting)} churned "
            f"accounts; its older part (up to 180 days before its last day) {older['date'].nunique()} days and "
            f"{churned_accounts(older)} churned accounts, its newest 90 days {churned_accounts(newest)}; the "
            f"validation window (as_of_date - 179 .. as_of_date - 90) {churned_accounts(validation)}. A fit "
            f"needs {MIN_FITTING_CHURNED_ACCOUNTS} churned accounts in the fitting window, "
            f"{MIN_OLDER_FITTING_DATES} days in its older part and {MIN_JUDGED_CHURNED_ACCOUNTS} churned "
            "accounts in each of its older part, its newest 90 days and the validation window, i.e. health "
            f"scores from at least {270 + 2 * OUTCOME_DAYS + MIN_OLDER_FITTING_DATES} days before as_of_date "
            "and enough churn. Keep the hand-set weights until the warehouse has more history."
        )


def fit_health_weights(
    days: pd.DataFrame,
    current_weights: Mapping[str, float],
    current_parameters: Mapping[str, float],
    current_thresholds: ColorThresholds,
    max_red_share: float = DEFAULT_MAX_RED_SHARE,
    progress: Callable[[str], None] = lambda message: None,
) -> HealthWeightsFit:
    """Choose the formula parameters and fit the weights on the fitting window, choose the colour
    thresholds there, evaluate the current and the proposed score on both windows.

    `days` has the columns of fct_health_score_outcomes (fitting and validation rows; the component
    scores, `health_score` and `health_color` are those of the current weights and parameters).
    """
    missing = [name for name in COMPONENTS if name not in current_weights]
    if missing:
        raise HealthFitError(f"The seed health_score_weights has no weight for {', '.join(missing)}.")
    check_formula(days, current_parameters)
    check_history(days)
    windows = {name: days[days["backtest_window"] == name] for name in ("fitting", "validation")}
    progress(f"Choosing formula parameters on {len(windows['fitting']):,} account-days")
    parameter_choice = choose_formula_parameters(
        *inner_split(windows["fitting"]), prior_shares(current_weights), current_parameters, progress
    )
    proposed_parameters = parameter_choice.proposed
    progress("Fitting component weights")
    proposed_weights, shrinkage = fit_component_weights(windows["fitting"], current_weights, proposed_parameters)
    proposed_thresholds = color_thresholds_for_workload(
        health_scores(formula_components(windows["fitting"], proposed_parameters), proposed_weights),
        windows["fitting"]["is_no_login_override"].to_numpy(dtype=bool),
        windows["fitting"]["health_color"].to_numpy(),
        max_red_share,
    )
    progress("Evaluating the current and the proposed score on the fitting and validation windows")
    evaluations, scores = {}, {}
    for name, window in windows.items():
        churned = window["churned_within_90d"].to_numpy(dtype=bool)
        override = window["is_no_login_override"].to_numpy(dtype=bool)
        scores[name] = (
            window["health_score"].to_numpy(dtype=float),
            health_scores(formula_components(window, proposed_parameters), proposed_weights),
        )
        evaluations[name] = (
            evaluate(scores[name][0], window["health_color"].to_numpy(), churned),
            evaluate(scores[name][1], health_colors(scores[name][1], override, proposed_thresholds), churned),
        )
    progress(f"Resampling the validation window's accounts {BOOTSTRAP_REPLICATES} times")
    gain_interval = auc_gain_interval(
        *scores["validation"],
        windows["validation"]["churned_within_90d"].to_numpy(dtype=bool),
        windows["validation"]["account_id"].to_numpy(),
    )
    return HealthWeightsFit(
        current_weights={name: float(current_weights[name]) for name in COMPONENTS},
        proposed_weights=proposed_weights,
        shrinkage=shrinkage,
        current_parameters={name: float(current_parameters[name]) for name in FORMULA_PARAMETERS},
        proposed_parameters=proposed_parameters,
        parameter_choice=parameter_choice,
        current_thresholds=current_thresholds,
        proposed_thresholds=proposed_thresholds,
        max_red_share=max_red_share,
        fitting=summarize_window(windows["fitting"]),
        validation=summarize_window(windows["validation"]),
        current_fitting=evaluations["fitting"][0],
        proposed_fitting=evaluations["fitting"][1],
        current_validation=evaluations["validation"][0],
        proposed_validation=evaluations["validation"][1],
        validation_gain_interval=gain_interval,
    )


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def model_card(fit: HealthWeightsFit, warehouse_path: Path) -> str:
    """The markdown model card: windows, weights, AUC and colour outcomes, the threshold rule, adoption."""
    gain_low, gain_high = fit.validation_gain_interval
    if not fit.improves_validation_auc:
        verdict = (
            "The proposal does NOT rank churn better than the current score on the validation window: "
            "keep the current weights and formula parameters."
        )
    elif gain_low > 0:
        verdict = (
            "The proposal ranks churn better than the current score on the validation window: adopt it "
            "(see below) if the weights and formula parameters also make sense to the CS team."
        )
    else:
        verdict = (
            "The proposal ranks churn better than the current score on the validation window, by less "
            "than a different draw of accounts would move the figure (see Ranking): weak evidence. Adopt "
            "it only if the weights and formula parameters also make sense to the CS team, or refit when "
            "more history has come."
        )
    lines = [
        "# Health score weights and formula parameters: model card",
        "",
        f"Fitted by `cs-warehouse fit-health-weights` on `{warehouse_path}`, whose scored history ends on "
        f"{fit.validation.last_day} (as_of_date - 90).",
        "",
        f"**{verdict}**",
        "",
        "## Data and windows",
        "",
        "Account-days with a known 90-day outcome (`marts.fct_health_score_outcomes`); label: churn (MRR "
        "dropping to 0) on one of the next 90 days. Out-of-time split: the weights, the formula "
        "parameters and the colour thresholds are fitted on the fitting window only; the validation "
        "window is the most recent complete 90-day outcome window; the 90 days in between are left out "
        "so that no churn counts in both.",
        "",
        "| window | days | account-days | churned account-days | churned accounts |",
        "|---|---|---|---|---|",
    ]
    for name, window in (("fitting", fit.fitting), ("validation", fit.validation)):
        lines.append(
            f"| {name} | {window.first_day} .. {window.last_day} | {window.account_days:,} | "
            f"{window.churned_account_days:,} | {window.churned_accounts:,} |"
        )
    lines += [
        "",
        "## Method",
        "",
        (
            "A logistic regression of churn within 90 days on the four component scores, every slope "
            ">= 0 (a higher component never means more risk), fitted by maximum likelihood (scipy "
            "L-BFGS-B) with a ridge penalty on the slopes' departure from the current weights' shares: "
            "the current weights are the prior the team trusts, and the fit moves away from them only as "
            "far as the history supports. The penalty's strength is chosen inside the fitting window, "
            "out of time, like the validation itself: each penalty is fitted on the window's older part "
            "and scored by its mean log loss on the window's newest 90 days (the 90 days between are left "
            "out); the best one (the stronger among equals) is refitted on the whole fitting window. The "
            "proposal is its slopes' shares in hundredths: >= 0, summing to 1, so the score stays the "
            "documented 0-100 weighted mean of the components. The formula parameters (caps and per-ticket "
            "penalties inside the components) are chosen before, on the same split and jointly with the "
            "weights (see Formula parameters). The validation window plays no part in the fit."
        ),
        "",
        "| part of the fitting window | days | account-days | churned accounts |",
        "|---|---|---|---|",
    ]
    for name, window in (("older (fits)", fit.shrinkage.older), ("newest 90 days (choose)", fit.shrinkage.newest)):
        lines.append(
            f"| {name} | {window.first_day} .. {window.last_day} | {window.account_days:,} | "
            f"{window.churned_accounts:,} |"
        )
    lines += [
        "",
        "| penalty | mean log loss on the newest 90 days |",
        "|---|---|",
    ]
    lines += [
        f"| {penalty:g}{' (chosen)' if penalty == fit.shrinkage.penalty else ''} | {loss:.5f} |"
        for penalty, loss in fit.shrinkage.log_losses.items()
    ]
    lines += [
        "",
        "## Weights",
        "",
        "| component | current | proposed |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {fit.current_weights[name]:.2f} | {fit.proposed_weights[name]:.2f} |" for name in COMPONENTS]
    lines += [
        "",
        "## Formula parameters",
        "",
        "The caps and per-ticket penalties inside the components (seed `health_formula_parameters`). Each "
        "value of each parameter's grid is judged like a penalty: the components scored with it (the other "
        "parameters at their proposed values), the weights fitted on the older part of the fitting window "
        "with the penalty that predicts its newest 90 days best, and the mean log loss on those days. "
        "Starting from the current values, a parameter takes another value only when that lowers the log "
        f"loss by more than {PARAMETER_EVIDENCE_STANDARD_ERRORS:g} standard errors (accounts resampled); "
        "passes repeat until none moves. Without such evidence the current formula stays.",
        "",
        "| parameter | current | proposed | mean log loss on the newest 90 days per value (the others proposed) |",
        "|---|---|---|---|",
    ]
    for name in FORMULA_PARAMETERS:
        trials = ", ".join(
            f"{format_parameter(name, trial.value)}: {trial.log_loss:.5f}"
            for trial in fit.parameter_choice.trials
            if trial.parameter == name
        )
        lines.append(
            f"| {name} | {format_parameter(name, fit.current_parameters[name])} | "
            f"{format_parameter(name, fit.proposed_parameters[name])} | {trials} |"
        )
    if fit.parameter_choice.moves:
        lines += ["", "Changes adopted, in order (log loss gain, standard error):", ""]
        lines += [
            f"- {name}: {format_parameter(name, old)} -> {format_parameter(name, new)} ({gain:.5f}, {error:.5f})"
            for name, old, new, gain, error in fit.parameter_choice.moves
        ]
    lines += [
        "",
        "## Ranking (AUC of churn within 90 days, lower score = riskier)",
        "",
        "| window | current | proposed |",
        "|---|---|---|",
        f"| validation (out of time: the evidence) | {fit.current_validation.auc:.3f} | "
        f"{fit.proposed_validation.auc:.3f} |",
        f"| fitting (in-sample for the proposal) | {fit.current_fitting.auc:.3f} | {fit.proposed_fitting.auc:.3f} |",
        "",
        f"Validation AUC gain: {fit.proposed_validation.auc - fit.current_validation.auc:+.4f}. Resampling the "
        f"validation window's accounts ({BOOTSTRAP_REPLICATES} times, each account with all its days) puts "
        f"it between {gain_low:+.4f} and {gain_high:+.4f} ({BOOTSTRAP_INTERVAL:.0%} of draws): how far the "
        "figure would move had other customers been in the window.",
        "",
        "## Colour thresholds",
        "",
        "Rule: on the fitting window's account-days, `health_red_below` is the highest integer score whose red "
        "share (no-login overrides included) does not exceed the smaller of the current red share and "
        f"{_percent(fit.max_red_share)} (the most a CS team works through); `health_green_min` is the lowest "
        "integer above it whose green share does not exceed the current green share. The red list thus "
        "stays the size the team works now (or shrinks to the cap), and the churn rates below compare "
        "lists of about the same size.",
        "",
        "| var | current | proposed |",
        "|---|---|---|",
        f"| health_red_below | {fit.current_thresholds.red_below} | {fit.proposed_thresholds.red_below} |",
        f"| health_green_min | {fit.current_thresholds.green_min} | {fit.proposed_thresholds.green_min} |",
        "",
        "## Colours on the validation window",
        "",
        "| colour | current share | current churn rate | current lift | proposed share | proposed churn rate "
        "| proposed lift |",
        "|---|---|---|---|---|---|---|",
    ]
    for color in COLORS:
        current, proposed = fit.current_validation.colors[color], fit.proposed_validation.colors[color]
        lines.append(
            f"| {color} | {_percent(current.share)} | {_percent(current.churn_rate)} | {_ratio(current.lift)} | "
            f"{_percent(proposed.share)} | {_percent(proposed.churn_rate)} | {_ratio(proposed.lift)} |"
        )
    lines += [
        "",
        "## Adopting the proposal (a human step)",
        "",
        f"1. Copy `{SEED_CSV_NAME}` and `{PARAMETERS_CSV_NAME}` from this directory over "
        f"`seeds/{SEED_CSV_NAME}` and `seeds/{PARAMETERS_CSV_NAME}`.",
        "2. Set `health_red_below` and `health_green_min` in `dbt_project.yml` to the proposed values.",
        "3. Rebuild every day's score with the new weights and formula (the health models are incremental, "
        "so a normal run would re-score new days only): "
        "`dbt build --full-refresh -s health_score_weights+ health_formula_parameters+`.",
        "4. `marts.mart_health_calibration` then shows the validation AUC above in `validation_score_auc_90d`.",
        "",
        "Refit as history accumulates; judge a refit by its validation figures only.",
        "",
    ]
    return "\n".join(lines)


def format_parameter(name: str, value: float) -> str:
    """A formula parameter as the seed writes it: caps whole, penalties with 2 to 4 decimals."""
    if name.endswith("_cap"):
        return str(int(value))
    text = f"{value:.4f}".rstrip("0")
    return text + "0" * max(0, 2 - len(text.split(".")[1]))


def write_proposal(fit: HealthWeightsFit, warehouse_path: Path, out_dir: Path) -> tuple[Path, Path, Path]:
    """Write the proposed weights and formula parameters in their seeds' formats and the model card;
    return the three paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    weights_path = out_dir / SEED_CSV_NAME
    with weights_path.open("w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["component", "weight"])
        writer.writerows([name, f"{fit.proposed_weights[name]:.{WEIGHT_DECIMALS}f}"] for name in COMPONENTS)
    parameters_path = out_dir / PARAMETERS_CSV_NAME
    with parameters_path.open("w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["parameter", "value"])
        writer.writerows([name, format_parameter(name, fit.proposed_parameters[name])] for name in FORMULA_PARAMETERS)
    card_path = out_dir / MODEL_CARD_NAME
    card_path.write_text(model_card(fit, warehouse_path))
    return weights_path, parameters_path, card_path
