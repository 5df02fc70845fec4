"""Who may see the app: Streamlit's built-in OpenID Connect sign-in (`st.login`) once it is configured.

Local mode (a laptop, `make demo`): no ``[auth]`` section in ``.streamlit/secrets.toml`` → no sign-in; the app
then listens on 127.0.0.1 only. Deployed on Kubernetes, the Secret ``credit-scoring-ui-auth`` mounts a
``secrets.toml`` with the identity provider (redirect URI, cookie secret, client id and secret, metadata URL;
deploy/README.md): every page then needs a signed-in officer. On Azure Container Apps the platform signs
officers in before a request reaches the app.
"""

from __future__ import annotations

import streamlit as st

#: The section of `secrets.toml` that configures `st.login` (Streamlit's name).
AUTH_SECTION = "auth"


def sign_in_required() -> bool:
    """Whether an identity provider is configured (``[auth]`` in the app's secrets)."""
    try:
        return AUTH_SECTION in st.secrets
    except FileNotFoundError:  # no secrets file at all: local mode
        return False


def signed_in() -> bool:
    """True when the page may show clients: local mode, or an officer signed in (else a sign-in page)."""
    if not sign_in_required():
        return True
    if st.user.get("is_logged_in", False):  # absent outside a browser session: not signed in
        who = st.user.get("name") or st.user.get("email") or "an officer"
        st.sidebar.caption(f"Signed in as {who}")
        st.sidebar.button("Sign out", on_click=st.logout, key="sign_out")
        return True
    st.title("Credit scoring — client explorer")
    st.info("Sign in with your company account to see clients' files and scores.", icon=":material/lock:")
    st.button("Sign in", on_click=st.login, type="primary", key="sign_in")
    return False
