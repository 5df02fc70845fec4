"""pyspark is a batch/development dependency: the served model and requirements.txt stay free of it."""

from __future__ import annotations

import ast

from custom_model.model import SERVING_PACKAGES, pinned_requirements
from tests.conftest import PROJECT_DIR


def _names(path: str) -> set[str]:
    lines = (PROJECT_DIR / path).read_text().splitlines()
    return {line.split("==")[0].lower() for line in lines if "==" in line and not line.startswith("#")}


def test_pyspark_is_pinned_for_development_only() -> None:
    assert {"pyspark", "py4j"} <= _names("requirements-dev.txt")
    assert not {"pyspark", "py4j"} & _names("requirements.txt")


def test_served_model_requirements_do_not_name_spark() -> None:
    assert not any("spark" in name or "py4j" in name for name in SERVING_PACKAGES)
    assert not any("spark" in line or "py4j" in line for line in pinned_requirements())


def test_served_model_code_never_imports_pyspark() -> None:
    imported = set()
    for path in (PROJECT_DIR / "custom_model").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert "lightgbm" in imported  # the walk sees the model's imports
    assert not {"pyspark", "py4j"} & imported
