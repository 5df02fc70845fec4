"""Shell scripts of ci/ and deploy/: shellcheck-clean; the smoke script CI runs, end to end."""

from __future__ import annotations

import json
import os

import pytest

from tests.support.delivery import SHELL_SCRIPTS, run, tool
from tests.support.server import free_port


def test_shell_scripts_pass_shellcheck():
    assert SHELL_SCRIPTS
    result = run(tool("shellcheck"), *SHELL_SCRIPTS)
    assert result.returncode == 0, result.stdout


@pytest.mark.slow
def test_smoke_script_end_to_end(tmp_path):
    """The exact script CI runs: generate, train, serve, score one client, stop (≈ 1-2 min)."""
    env = {**os.environ, "SMOKE_DIR": str(tmp_path / "smoke"), "SMOKE_PORT": str(free_port())}
    result = run("bash", "ci/smoke.sh", env=env, timeout=540)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert "client(s) scored as the contract says" in result.stdout
    assert "smoke: OK" in result.stdout
    answer = json.loads((tmp_path / "smoke" / "answer.json").read_text())
    assert answer["predictions"][0]["decision"] in ("accepted", "refused")
