"""The catalog follows pushes: a push that changes a file a location reads refreshes it."""

from __future__ import annotations

import logging

from goldpath.catalog import CatalogService
from goldpath.errors import GoldpathError
from goldpath.gitserver._push import ZERO_SHA, Push, RefUpdate
from goldpath.providers.git import LocalFileRef, LocalGitHost

__all__ = ["CatalogFollower"]

log = logging.getLogger(__name__)


class CatalogFollower:
    """A push listener: re-reads, at once, every location that reads a file the push changed.

    A location reads its own target and whatever its entities pulled in (nested targets,
    ``$text`` placeholders). A file changed when its bytes at the ref's old commit differ
    from those at the new one (created and deleted files included). A refresh that finds
    the new content invalid records the error on the location, where the entity page
    shows it.
    """

    def __init__(self, catalog: CatalogService, host: LocalGitHost) -> None:
        self.catalog = catalog
        self.host = host

    def on_push(self, push: Push) -> None:
        """Refresh the locations whose files this push changed."""
        for record in self.catalog.list_locations():
            try:
                if not self._affected(record.id, push):
                    continue
                self.catalog.refresh_location(record.id)
                log.info("push to %s refreshed location %s", push.full_name, record.key)
            except GoldpathError as exc:  # one location's trouble must not stop the others
                log.warning("refreshing %s after a push failed: %s", record.key, exc.message)

    def _affected(self, location_id: str, push: Push) -> bool:
        for type_, target in self.catalog.read_targets(location_id):
            if type_ != "url" or not self.host.can_read(target):
                continue
            try:
                file = self.host.parse_contents_url(target)
            except GoldpathError:
                continue  # its branch is gone: the next scheduled refresh records that
            if file is None or (file.owner, file.repo) != (push.owner, push.repo):
                continue
            for update in push.updates:
                if update.ref in (f"refs/heads/{file.ref}", f"refs/tags/{file.ref}") and (
                    self._changed(file, update)
                ):
                    return True
        return False

    def _read(self, file: LocalFileRef, sha: str) -> bytes | None:
        if sha == ZERO_SHA:
            return None
        try:
            return self.host.read_file(file.owner, file.repo, sha, file.path)
        except GoldpathError:
            return None

    def _changed(self, file: LocalFileRef, update: RefUpdate) -> bool:
        return self._read(file, update.old) != self._read(file, update.new)
