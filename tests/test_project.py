"""Project-level contracts: MLproject entry points and parameters, conda.yaml pins, the CI entry point."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]


def _mlproject() -> dict:
    return yaml.safe_load((PROJECT_DIR / "MLproject").read_text())


def test_entry_points_and_parameter_names_are_the_documented_ones():
    entry_points = _mlproject()["entry_points"]
    expected = {
        "generate_data": {"scale", "seed", "output_dir"},
        "download_data": {"url", "output_dir"},
        "train": {
            "data_dir",
            "scale",
            "cost_fn",
            "cost_fp",
            "max_evals",
            "n_folds",
            "holdout",
            "seed",
            "families",
            "max_minutes",
            "final_learning_rate",
        },
        "drift": {"data_dir", "source", "top_n", "output_dir", "window_days"},
    }
    for name, params in expected.items():
        assert params <= set(entry_points[name]["parameters"]), name
        for param in params:
            assert "{" + param + "}" in entry_points[name]["command"], f"{name} does not pass {param}"


def test_conda_env_has_the_same_pins_as_requirements():
    conda = yaml.safe_load((PROJECT_DIR / "conda.yaml").read_text())
    pip_section = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
    requirements = [
        line.strip()
        for line in (PROJECT_DIR / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert pip_section == requirements
    assert "python=3.11" in conda["dependencies"]


def test_ci_runs_the_readme_test_command():
    readme = (PROJECT_DIR / "README.md").read_text()
    ci = (PROJECT_DIR / ".ci" / "run").read_text()
    assert "make test" in readme
    assert ci.strip().splitlines()[-1] == "make test"


def test_leftover_check_sees_new_untracked_and_ignored_files_but_not_caches(tmp_path: Path) -> None:
    from tests.conftest import checkout_files

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("/mlruns/\n*.db\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"")
    before = checkout_files(tmp_path)
    (tmp_path / "mlruns" / "0").mkdir(parents=True)
    (tmp_path / "mlruns" / "0" / "meta.yaml").write_text("x")
    (tmp_path / "predictions.db").write_text("x")
    after = checkout_files(tmp_path)
    assert after - before == {"mlruns/0/meta.yaml", "predictions.db"}
