"""How dbt nodes become Dagster assets: keys and groups follow the project's folders."""

from collections.abc import Mapping
from typing import Any

from dagster import AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

RAW_KEY_PREFIX = "raw"
SEED_GROUP = "reference"


def raw_table_key(source_name: str, table_name: str) -> AssetKey:
    """Key of a raw table, shared by the dbt source and the raw-table asset that lands it."""
    return AssetKey([RAW_KEY_PREFIX, source_name, table_name])


def model_layer(dbt_resource_props: Mapping[str, Any]) -> str:
    """The top folder of a node inside its resource path: staging, intermediate or marts for models."""
    # fqn is [package, folder, ..., name]; a node directly under models/ has no folder.
    folders = dbt_resource_props["fqn"][1:-1]
    return folders[0] if folders else dbt_resource_props["resource_type"]


def model_area(dbt_resource_props: Mapping[str, Any]) -> str | None:
    """The sub-folder of the layer (crm, revenue, health, ...), if any."""
    folders = dbt_resource_props["fqn"][1:-1]
    return folders[1] if len(folders) > 1 else None


class CsWarehouseTranslator(DagsterDbtTranslator):
    """Raw sources map onto the raw-table assets; models are keyed and grouped by layer and area."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return raw_table_key(dbt_resource_props["source_name"], dbt_resource_props["name"])
        if dbt_resource_props["resource_type"] == "seed":
            return AssetKey([SEED_GROUP, dbt_resource_props["name"]])
        return AssetKey([model_layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return RAW_KEY_PREFIX
        if dbt_resource_props["resource_type"] == "seed":
            return SEED_GROUP
        area = model_area(dbt_resource_props)
        layer = model_layer(dbt_resource_props)
        return f"{layer}_{area}" if area else layer
