"""Errors the Streamlit client shows as plain messages (never as tracebacks)."""

from __future__ import annotations


class ClientAppError(Exception):
    """Base of every error the app turns into a readable message."""


class ApiUnavailableError(ClientAppError, ConnectionError):
    """The scoring API could not be reached or did not answer in time."""


class ApiRequestError(ClientAppError, ValueError):
    """The scoring API refused the request (HTTP 4xx/5xx) or answered something unreadable."""


class RegistryError(ClientAppError, RuntimeError):
    """The MLflow tracking server / registry could not give the champion's metadata or artifacts."""


class InputFileError(ClientAppError, ValueError):
    """An uploaded applicants file cannot be scored as it is."""
