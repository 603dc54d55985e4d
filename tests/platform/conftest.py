"""Fixtures of the platform tests: a real moto server on loopback, one per xdist worker."""

from __future__ import annotations

from tests.support.moto import aws, moto_endpoint

__all__ = ["aws", "moto_endpoint"]
