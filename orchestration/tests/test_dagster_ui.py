"""The Dagster UI, started with `dagster dev`, shows the mart assets in its asset graph.

A headless Chromium (Debian's `chromium`) renders each marts group's lineage page and the test
reads the rendered DOM.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import VENV_BIN

from cs_warehouse.translator import CsWarehouseTranslator

SERVER_START_TIMEOUT_SECONDS = 120
SERVER_STOP_TIMEOUT_SECONDS = 20
BROWSER_TIMEOUT_SECONDS = 90
# Virtual time the page gets to fetch the graph and render it before the DOM is dumped.
RENDER_BUDGET_MILLISECONDS = 30000
# Large enough for a whole group's graph to be laid out without culling nodes out of view (the
# customer-health group, 11 marts, needs more than 3840 x 2400).
WINDOW_SIZE = "7680,4800"
LOCATION_FILE_NAME = "cs_warehouse_location.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, "dagster dev exited before serving"
        try:
            with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(f"dagster dev did not answer on {url} within {SERVER_START_TIMEOUT_SECONDS}s")


def stop(server: subprocess.Popen) -> None:
    """Interrupt dagster dev (its own shutdown path), then kill its process group if it lingers."""
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=SERVER_STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    server.wait(timeout=SERVER_STOP_TIMEOUT_SECONDS)


@pytest.fixture(scope="module")
def dagster_ui(parsed_dbt_project, tmp_path_factory: pytest.TempPathFactory):
    """`dagster dev` on a free localhost port, loading the code location with the test manifest."""
    workdir = tmp_path_factory.mktemp("dagster_ui")
    location_file = workdir / LOCATION_FILE_NAME
    location_file.write_text(
        "from cs_warehouse.definitions import build_definitions\n"
        "from cs_warehouse.project import build_dbt_project\n\n"
        f"defs = build_definitions(build_dbt_project({str(parsed_dbt_project.target_path.resolve())!r}))\n"
    )
    (workdir / "dagster_home").mkdir()
    port = free_port()
    environment = {**os.environ, "DAGSTER_HOME": str(workdir / "dagster_home")}
    server = subprocess.Popen(
        [str(VENV_BIN / "dagster"), "dev", "-f", str(location_file), "-h", "127.0.0.1", "-p", str(port)],
        cwd=workdir,
        env=environment,
        stdout=(workdir / "dagster_dev.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, server)
        yield url, workdir
    finally:
        stop(server)


def render(url: str, profile_dir: Path) -> str:
    """The DOM of `url` after headless Chromium rendered it, in a fresh browser profile."""
    completed = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            f"--user-data-dir={profile_dir}",
            f"--window-size={WINDOW_SIZE}",
            f"--virtual-time-budget={RENDER_BUDGET_MILLISECONDS}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT_SECONDS,
        check=True,
    )
    return completed.stdout


@pytest.mark.skipif(
    shutil.which("chromium") is None,
    reason="Debian's chromium is not installed and could not be (apt-get install chromium)",
)
def test_asset_graph_shows_the_mart_assets(dagster_ui, parsed_dbt_project):
    url, workdir = dagster_ui
    manifest = json.loads(parsed_dbt_project.manifest_path.read_text())
    translator = CsWarehouseTranslator()
    marts_by_group: dict[str, list[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["fqn"][1] == "marts":
            marts_by_group.setdefault(translator.get_group_name(node), []).append(node["name"])
    assert marts_by_group, "the project has marts"
    for group, marts in sorted(marts_by_group.items()):
        page = f"{url}/locations/{LOCATION_FILE_NAME}/asset-groups/{group}"
        dom = render(page, workdir / f"chromium_profile_{group}")
        missing = [mart for mart in marts if mart not in dom]
        assert not missing, f"{page} does not show {missing}"
