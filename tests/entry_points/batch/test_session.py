"""The Spark session: Java checked first with a clear message, master URLs checked, UI off unless asked."""

from __future__ import annotations

import re

import pytest

from custom_model.contract import PREDICTION_LOG_DISABLED, PREDICTION_LOG_ENV
from custom_model.errors import CreditScoringError
from entry_points.batch.session import (
    SparkSettings,
    SparkSetupError,
    check_java,
    check_master,
    spark_conf,
    start_spark,
)


def test_missing_java_is_named_with_the_install_command(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SparkSetupError, match=r"Spark needs Java and none was found on PATH.*openjdk-17"):
        start_spark(SparkSettings(master="local[1]"))


def test_java_home_without_java_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(SparkSetupError, match=f"JAVA_HOME={tmp_path} has no bin/java"):
        check_java()


@pytest.mark.parametrize("master", ["local", "local[2]", "local[*]", "local[4,2]", "spark://h:7077", "yarn"])
def test_master_urls_spark_accepts_pass(master: str) -> None:
    assert check_master(master) == master


@pytest.mark.parametrize("master", ["", "bogus://x", "local[two]", "locale"])
def test_other_master_urls_are_refused_before_the_jvm_starts(master: str) -> None:
    with pytest.raises(CreditScoringError, match=re.escape(f"got {master!r}")):
        check_master(master)


def test_ui_is_off_by_default_and_on_at_the_port_asked() -> None:
    assert spark_conf(SparkSettings())["spark.ui.enabled"] == "false"
    assert "spark.ui.port" not in spark_conf(SparkSettings())
    conf = spark_conf(SparkSettings(ui_port=4077))
    assert (conf["spark.ui.enabled"], conf["spark.ui.port"]) == ("true", "4077")


def test_session_runs_jobs_quietly_without_ui_and_without_prediction_log(spark) -> None:
    assert spark.range(1000).selectExpr("sum(id) AS s").first()["s"] == 499_500
    assert spark.sparkContext.uiWebUrl is None
    assert spark.conf.get(f"spark.executorEnv.{PREDICTION_LOG_ENV}") == PREDICTION_LOG_DISABLED
    assert "-Dlog4j2.configurationFile=" in spark.sparkContext.getConf().get("spark.driver.extraJavaOptions")
