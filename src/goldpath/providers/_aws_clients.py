"""AWS clients for one region, made on first use (boto3 loads only when one is asked for)."""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["AwsClients"]


class AwsClients:
    """One cached boto3 client per service for a region and an optional endpoint (moto)."""

    def __init__(self, *, region: str, endpoint_url: str | None = None) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        """The client for ``service`` (``"ecr"``, ``"s3"``, ...), made once."""
        with self._lock:
            found = self._clients.get(service)
            if found is None:
                # Imported here: boto3 costs seconds of import time that start-up never pays.
                from goldpath.providers._aws import aws_client

                found = aws_client(service, region=self.region, endpoint_url=self.endpoint_url)
                self._clients[service] = found
            return found
