"""The Spark session of the batch jobs: Java checked first, quiet logs, UI port chosen, workers on our Python.

pyspark is a batch/development dependency only (requirements-dev.txt): the served model and the API image
never import this package, so pyspark is imported inside the functions that need it.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from custom_model.contract import PREDICTION_LOG_DISABLED, PREDICTION_LOG_ENV
from custom_model.errors import CreditScoringError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

#: log4j2 configuration that keeps the JVM to errors (Spark's INFO/WARN lines drown the job's own progress).
LOG4J2_FILE = Path(__file__).resolve().parent / "log4j2.properties"
#: Master URLs Spark 4 accepts: local[N|*][,F], local-cluster[...], spark://, yarn, k8s://.
MASTER_PATTERN = re.compile(r"local(\[(\d+|\*)(,\d+)?\])?|local-cluster\[.+\]|spark://.+|yarn|k8s://.+")
JAVA_HINT = "install Java 17 (`make java`, i.e. apt-get install -y openjdk-17-jre-headless) or set JAVA_HOME"


class SparkSetupError(CreditScoringError, RuntimeError):
    """Spark cannot start here: no Java, no pyspark, or a master URL it refuses."""


@dataclass(frozen=True)
class SparkSettings:
    """How to start Spark: master URL, UI port (0 = no UI), shuffle partitions, application name."""

    master: str = "local[*]"
    ui_port: int = 0
    shuffle_partitions: int = 8
    app_name: str = "credit-scoring"


def check_master(master: str) -> str:
    """Return ``master`` when Spark can parse it; SparkSetupError naming the accepted forms otherwise."""
    if not MASTER_PATTERN.fullmatch(master.strip()):
        raise SparkSetupError(
            f"master must be a Spark master URL (local[*], local[N], spark://host:port, yarn, k8s://...); "
            f"got {master!r}"
        )
    return master.strip()


def java_command() -> str:
    """Path of the java launcher Spark will use ($JAVA_HOME/bin/java, else java on PATH); SparkSetupError."""
    home = os.environ.get("JAVA_HOME", "").strip()
    if home:
        java = Path(home) / "bin" / "java"
        if java.is_file():
            return str(java)
        raise SparkSetupError(f"Spark needs Java: JAVA_HOME={home} has no bin/java; {JAVA_HINT}")
    found = shutil.which("java")
    if found is None:
        raise SparkSetupError(f"Spark needs Java and none was found on PATH; {JAVA_HINT}")
    return found


def check_java() -> str:
    """Return the first line of ``java -version``; SparkSetupError when Java is missing or does not run."""
    java = java_command()
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SparkSetupError(f"Spark needs Java: {java} -version failed ({error}); {JAVA_HINT}") from None
    if done.returncode != 0:
        raise SparkSetupError(f"Spark needs Java: {java} -version exited {done.returncode}; {JAVA_HINT}")
    return (done.stderr or done.stdout).strip().splitlines()[0]


def spark_conf(settings: SparkSettings) -> dict[str, str]:
    """Configuration of the session (everything this project relies on, spelled out)."""
    quiet = f"-Dlog4j2.configurationFile={LOG4J2_FILE.as_uri()}"
    conf = {
        "spark.ui.enabled": str(settings.ui_port > 0).lower(),
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": str(settings.shuffle_partitions),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        # Executors launched by a cluster manager run this interpreter (PYSPARK_PYTHON covers local mode).
        "spark.pyspark.python": sys.executable,
        # The served model logs every prediction; batch answers are the output, not events to log.
        f"spark.executorEnv.{PREDICTION_LOG_ENV}": PREDICTION_LOG_DISABLED,
        "spark.driver.extraJavaOptions": quiet,
        "spark.executor.extraJavaOptions": quiet,
    }
    if settings.ui_port > 0:
        conf["spark.ui.port"] = str(settings.ui_port)
    return conf


def start_spark(settings: SparkSettings = SparkSettings()) -> SparkSession:
    """Start (or reuse) the session; SparkSetupError naming the cause when Java, pyspark or master fails."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkSetupError(
            "Spark jobs need pyspark, a development/batch dependency: pip install -r requirements-dev.txt"
        ) from None
    master = check_master(settings.master)
    logger.info("Spark: %s, master %s", check_java(), master)
    # pyspark reads the workers' interpreter from PYSPARK_PYTHON only (default "python3", which lacks pyarrow,
    # mlflow and this project): point it at ours unless the user chose one.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName(settings.app_name)
    for key, value in spark_conf(settings).items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as error:  # py4j/JVM errors carry a Java stack trace: keep the Java message only
        message = _java_message(error)
        raise SparkSetupError(f"Spark could not start with master {master!r}: {message}") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _java_message(error: Exception) -> str:
    """The JVM's own message of a py4j error (else the error's first line): what went wrong, no stack."""
    java = getattr(error, "java_exception", None)
    if java is not None:
        return str(java.getMessage()).strip().splitlines()[0]
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
