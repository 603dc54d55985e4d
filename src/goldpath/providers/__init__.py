"""Providers: one subpackage per external system, each behind a small Protocol.

``goldpath.providers.git`` holds the git hosts (local bare repositories, GitLab, GitHub).
"""

__all__: list[str] = []
