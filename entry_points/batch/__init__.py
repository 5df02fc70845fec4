"""Batch jobs on Apache Spark: session set-up, distributed feature build, batch scoring."""
