"""Streamlit client of the credit-scoring API (HTTP only; no model code)."""
