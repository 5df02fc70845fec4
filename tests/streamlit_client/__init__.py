"""Tests of the Streamlit client."""
