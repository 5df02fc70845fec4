"""The architecture's rules, checked on the code itself: one home per shared name and rule, short functions,
a stdlib-only contract, defaults declared once."""

from __future__ import annotations

import ast
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from custom_model import contract
from custom_model.contract import (
    ANSWER_COLUMNS,
    DRIFT_HTML,
    DRIFT_JSON,
    ORACLE_FILE,
    SHADOW_HTML,
    SHADOW_JSON,
    Alias,
    Artifact,
)
from entry_points.train import parse_args
from entry_points.training.settings import DEFAULTS

PROJECT_DIR = Path(__file__).resolve().parents[1]
#: Non-test code: every Python file outside tests/ and the virtualenv.
SOURCE_DIRS = (
    "custom_model",
    "entry_points",
    "drift",
    "streamlit_client",
    "ci",
    "docs",
    "benchmarks",
    "scripts",
)
MAX_FUNCTION_LINES = 80


def source_files() -> Iterator[Path]:
    """The project's non-test Python files."""
    for folder in SOURCE_DIRS:
        yield from sorted((PROJECT_DIR / folder).rglob("*.py"))


def parsed(path: Path) -> ast.Module:
    """The syntax tree of a file."""
    return ast.parse(path.read_text(), filename=str(path))


def string_constants(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, value) of every string literal, f-string parts included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def relative(path: Path) -> str:
    return str(path.relative_to(PROJECT_DIR))


def test_shared_file_names_and_aliases_are_written_only_in_the_contract() -> None:
    files = {ORACLE_FILE, DRIFT_HTML, DRIFT_JSON, SHADOW_HTML, SHADOW_JSON}
    names = {a.value for a in Artifact} | files | {a.value for a in Alias}
    home = PROJECT_DIR / "custom_model" / "contract.py"
    found = [
        f"{relative(path)}:{line}: {value!r}"
        for path in source_files()
        if path != home
        for line, value in string_constants(parsed(path))
        if value in names or any(value.endswith(f"@{a.value}") for a in Alias)
    ]
    assert not found, "declare these in custom_model/contract.py and import them:\n" + "\n".join(found)


def test_the_answer_column_list_is_written_only_in_the_contract() -> None:
    """No tuple or list literal spells out the answer columns again."""
    found = []
    for path in source_files():
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.Tuple | ast.List):
                values = [e.value for e in node.elts if isinstance(e, ast.Constant)]
                if len(values) >= 4 and set(values) <= set(ANSWER_COLUMNS) and "decision" in values:
                    found.append(f"{relative(path)}:{node.lineno}")
    assert not found, "use custom_model.contract.ANSWER_COLUMNS:\n" + "\n".join(found)


def _is_refusal_rule(node: ast.Compare) -> bool:
    """`<probability> >= <threshold>` (or its mirror): the refusal rule."""
    if len(node.ops) != 1 or not isinstance(node.ops[0], ast.GtE | ast.LtE):
        return False
    sides = [ast.unparse(node.left).lower(), ast.unparse(node.comparators[0]).lower()]
    return any("prob" in s for s in sides) and any("threshold" in s for s in sides)


def test_the_refusal_rule_is_coded_only_in_the_decision_module() -> None:
    home = PROJECT_DIR / "custom_model" / "cost.py"
    found = [
        f"{relative(path)}:{node.lineno}: {ast.unparse(node)}"
        for path in source_files()
        if path != home
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.Compare) and _is_refusal_rule(node)
    ]
    assert not found, "use custom_model.cost.is_refused / decisions:\n" + "\n".join(found)


def test_the_checks_above_find_what_they_look_for(tmp_path: Path) -> None:
    tree = ast.parse(
        'uri = f"models:/x@champion"\nrefused = proba >= threshold\n'
        'c = ("SK_ID_CURR", "decision", "error", "threshold")'
    )
    assert [v for _, v in string_constants(tree) if v.endswith("@champion")] == ["models:/x@champion"]
    assert [ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.Compare) and _is_refusal_rule(n)] == [
        "proba >= threshold"
    ]


def test_no_function_is_longer_than_80_lines() -> None:
    long = [
        f"{relative(path)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in source_files()
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, "\n".join(long)


def test_no_family_is_chosen_by_its_name_outside_the_registry() -> None:
    names = {"dummy", "logreg", "lightgbm"}
    families = PROJECT_DIR / "custom_model" / "families"
    found = [
        f"{relative(path)}:{node.lineno}: {ast.unparse(node)}"
        for path in source_files()
        if families not in path.parents
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.Compare)
        and any(isinstance(c, ast.Constant) and c.value in names for c in [node.left, *node.comparators])
    ]
    assert not found, "call the family protocol instead:\n" + "\n".join(found)


def test_the_contract_module_uses_the_standard_library_only() -> None:
    imported = set()
    for node in ast.walk(parsed(PROJECT_DIR / "custom_model" / "contract.py")):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported - {"__future__"} <= set(sys.stdlib_module_names)
    # and importing it (with its package) loads nothing else of ours or of third parties
    code = "import sys, custom_model.contract; print(' '.join(sorted(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    third_party = {m.split(".")[0] for m in loaded.split()} - set(sys.stdlib_module_names)
    assert {m for m in third_party if not m.startswith(("__", "_distutils_hack"))} == {"custom_model"}
    assert {m for m in loaded.split() if m.startswith("custom_model.")} == {"custom_model.contract"}


def test_default_paths_are_absolute_whatever_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in (
        "MLFLOW_TRACKING_URI",
        contract.PREDICTION_LOG_ENV,
        contract.STATE_DIR_ENV,
        "XDG_STATE_HOME",
    ):
        monkeypatch.delenv(name, raising=False)
    for uri in (contract.default_tracking_uri(), contract.default_prediction_log_url()):
        path = Path(uri.removeprefix("sqlite:///"))
        assert path.is_absolute() and tmp_path not in path.parents, uri
    assert contract.PROJECT_DIR == PROJECT_DIR


def test_every_job_default_output_folder_is_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from another folder, each job's argparse defaults still point into the project folder."""
    from entry_points import download_data, drift, generate_data

    monkeypatch.chdir(tmp_path)
    defaults = {
        "generate_data --output-dir": generate_data.parse_args([]).output_dir,
        "download_data --output-dir": download_data.parse_args([]).output_dir,
        "drift --data-dir": drift.parse_args([]).data_dir,
        "drift --output-dir": drift.parse_args([]).output_dir,
    }
    for option, path in defaults.items():
        assert path.is_absolute() and PROJECT_DIR in path.parents, f"{option}: {path}"


#: Which of our packages each package may import (the README's Layout rule); the client has its own test.
ALLOWED_IMPORTS = {
    "custom_model": {"custom_model"},
    "drift": {"custom_model", "drift"},
    "entry_points": {"custom_model", "drift", "entry_points"},
}


def our_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, top-level package) of every import of one of our packages."""
    ours = {*ALLOWED_IMPORTS, "streamlit_client", "tests", "benchmarks", "docs", "ci"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        yield from ((node.lineno, n.split(".")[0]) for n in names if n.split(".")[0] in ours)


def test_data_flows_one_way_jobs_then_drift_then_custom_model() -> None:
    found = [
        f"{relative(path)}:{line} imports {imported}"
        for package, allowed in ALLOWED_IMPORTS.items()
        for path in sorted((PROJECT_DIR / package).rglob("*.py"))
        for line, imported in our_imports(parsed(path))
        if imported not in allowed
    ]
    assert not found, "\n".join(found)
    probe = ast.parse("from drift.report import x\nimport entry_points.train\nfrom . import y\nimport numpy")
    assert [name for _, name in our_imports(probe)] == ["drift", "entry_points"]


def test_files_that_cannot_import_the_contract_agree_with_it() -> None:
    """MLproject and the CD workflow are YAML: their champion URI must be the contract's."""
    mlproject = yaml.safe_load((PROJECT_DIR / "MLproject").read_text())["entry_points"]
    assert mlproject["batch_score"]["parameters"]["model_uri"]["default"] == contract.model_uri()
    cd = yaml.safe_load((PROJECT_DIR / ".github" / "workflows" / "cd.yml").read_text())
    assert cd["env"]["MODEL_URI"] == contract.model_uri()
    # the shell scripts ask the contract itself
    for script in ("ci/champion.sh", "ci/image.sh", "ci/smoke.sh", "scripts/demo.sh"):
        text = (PROJECT_DIR / script).read_text()
        assert "from custom_model.contract import model_uri" in text, script
        code = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
        assert not [line for line in code if contract.model_uri() in line], script


def _train_entry() -> dict:
    return yaml.safe_load((PROJECT_DIR / "MLproject").read_text())["entry_points"]["train"]


def test_mlproject_train_defaults_are_the_settings_defaults() -> None:
    """Run the MLproject command with its own defaults through argparse: it must give `DEFAULTS`."""
    entry = _train_entry()
    values = {name: spec.get("default", "") for name, spec in entry["parameters"].items()}
    # MLflow shell-quotes string parameters and formats numbers as given
    command = entry["command"].format(**{k: shlex.quote(str(v)) for k, v in values.items()})
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "entry_points.train"]
    assert parse_args(argv[3:]) == DEFAULTS


def test_every_setting_is_an_mlproject_parameter_or_said_to_be_internal() -> None:
    # fixed for determinism and budget, or the machine's (fold workers): not a user choice
    internal = {"num_threads", "max_rounds", "workers", "final_max_rounds", "final_patience"}
    params = set(_train_entry()["parameters"])
    assert set(DEFAULTS.__dataclass_fields__) - internal == params
