"""Helpers shared by the test suite (real servers the suite starts itself)."""
