"""Sign-in: none in local mode; with an identity provider configured, nothing before the officer signs in."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.streamlit_client.conftest import APP_PATH

#: What deploy/README.md tells an operator to put in secrets.toml (values of a made-up provider).
AUTH = {
    "redirect_uri": "https://credit.example/oauth2callback",
    "cookie_secret": "a-long-random-secret",
    "client_id": "credit-scoring-ui",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "https://login.example/.well-known/openid-configuration",
}


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path) -> AppTest:
    # a closed port and an empty store: any attempt to look a client up would show an error
    monkeypatch.setenv("CREDIT_SCORING_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    return AppTest.from_file(str(APP_PATH), default_timeout=30)


def test_with_a_provider_configured_the_page_asks_to_sign_in_and_shows_nothing_else(app: AppTest) -> None:
    app.secrets["auth"] = AUTH
    app.query_params["client"] = "100001"
    app.run()
    assert not app.exception
    assert [b.label for b in app.button] == ["Sign in"]
    assert "Sign in with your company account" in app.info[0].value
    assert not app.radio and not app.text_input and not app.error  # no journey, no settings, no lookup


def test_without_a_provider_local_mode_needs_no_sign_in(app: AppTest) -> None:
    app.run()
    assert not app.exception
    assert "Sign in" not in [b.label for b in app.button]
    assert app.radio[0].label == "What do you want to do?"
