"""The Spark session postlens' batch jobs run in."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from postlens.errors import ConfigError


def spark_session(master: str, app_name: str = "postlens", *,
                  config: dict[str, str] | None = None) -> Any:
    """A SparkSession on ``master`` (``local[*]``, ``local[2]``, ``spark://host:7077``...).

    In local mode the Python workers are this interpreter, so they import the same postlens
    and models; on a cluster the executors' Python is the cluster's (``PYSPARK_PYTHON``)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError("batch jobs need PySpark: pip install -e '.[cluster]'") from exc
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        raise ConfigError("Spark needs Java 17: apt-get install openjdk-17-jre-headless "
                          "(`make install-cluster` does it)")
    if master.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (SparkSession.builder.master(master).appName(app_name)
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.python.worker.reuse", "true")  # one model load per worker
               .config("spark.sql.execution.arrow.maxRecordsPerBatch", "64")
               .config("spark.sql.shuffle.partitions", "8"))
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
