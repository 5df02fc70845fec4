"""Project-level contracts: MLproject entry points and parameters, conda.yaml pins, the CI entry point."""

from __future__ import annotations

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
