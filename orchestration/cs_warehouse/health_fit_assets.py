"""The health-weights proposal as a Dagster asset: materialised on demand, never by the daily job."""

from dagster import AssetExecutionContext, Config, Failure, MaterializeResult, MetadataValue, asset
from pydantic import Field

from .health_fit import (
    DEFAULT_MAX_RED_SHARE,
    HealthFitError,
    configured_thresholds,
    fit_health_weights,
    load_history,
    write_proposal,
)
from .project import REPO_ROOT
from .publish import SERVING_WAREHOUSE_KEY
from .resources import ServingWarehouse

HEALTH_FIT_GROUP = "health_fit"


class HealthWeightsConfig(Config):
    out_dir: str = Field(
        default="build/health_weights",
        description="Directory for the proposal and the model card (relative to the project root).",
    )
    max_red_share: float = Field(
        default=DEFAULT_MAX_RED_SHARE,
        gt=0,
        le=1,
        description="Largest share of accounts the proposed red list may hold.",
    )


@asset(
    group_name=HEALTH_FIT_GROUP,
    deps=[SERVING_WAREHOUSE_KEY],
    description=(
        "Health score weights and formula parameters fitted to the published warehouse's own churn history "
        "(older scored days), validated on the most recent complete 90-day outcome window, written as "
        "seed-format CSVs and a model card. A proposal only: a person adopts it by copying it into the "
        "seeds and rebuilding."
    ),
)
def health_weights_proposal(
    context: AssetExecutionContext, config: HealthWeightsConfig, warehouse: ServingWarehouse
) -> MaterializeResult:
    serving_path = warehouse.serving_path()
    try:
        days, current_weights, current_parameters = load_history(serving_path)
        fit = fit_health_weights(
            days,
            current_weights,
            current_parameters,
            configured_thresholds(),
            config.max_red_share,
            progress=context.log.info,
        )
    except HealthFitError as error:
        raise Failure(description=str(error), allow_retries=False) from error
    weights_path, parameters_path, card_path = write_proposal(fit, serving_path, REPO_ROOT / config.out_dir)
    return MaterializeResult(
        metadata={
            "proposed_weights": MetadataValue.json(fit.proposed_weights),
            "proposed_formula_parameters": MetadataValue.json(fit.proposed_parameters),
            "validation_auc_current": fit.current_validation.auc,
            "validation_auc_proposed": fit.proposed_validation.auc,
            "improves_validation_auc": fit.improves_validation_auc,
            "validation_auc_gain_interval": MetadataValue.json(list(fit.validation_gain_interval)),
            "weights_csv": MetadataValue.path(str(weights_path)),
            "formula_parameters_csv": MetadataValue.path(str(parameters_path)),
            "model_card": MetadataValue.md(card_path.read_text()),
        }
    )
