"""One error family for the whole project, so callers can catch ours and let real bugs surface."""

from __future__ import annotations


class CreditScoringError(Exception):
    """Base class of every error this project raises on purpose."""


class DataSourceError(CreditScoringError, OSError):
    """A data folder, file or archive is missing, empty, corrupt or truncated."""


class SchemaError(CreditScoringError, ValueError):
    """A table does not match the declared schema: missing/renamed column, wrong type, bad value."""


class RequestError(CreditScoringError, ValueError):
    """A scoring request is malformed; the message names the row/column and what was expected."""


class FeatureLeakError(CreditScoringError, ValueError):
    """TARGET or an identifier reached the feature matrix: every figure computed on it would be void."""


class ParameterError(CreditScoringError, ValueError):
    """A job parameter is outside what the job accepts; the message says what is accepted."""
