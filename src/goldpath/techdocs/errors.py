"""TechDocs errors: every one subclasses a category from ``goldpath.errors``."""

from __future__ import annotations

from goldpath.errors import GoldpathError, InvalidInputError, NotFoundError, ProviderError

__all__ = [
    "DocsBuildError",
    "DocsConfigError",
    "DocsNotFoundError",
    "DocsSourceError",
    "DocsStorageError",
    "InvalidTechDocsRefError",
    "TechDocsError",
]


class TechDocsError(GoldpathError):
    """Something went wrong building or serving documentation."""


class DocsNotFoundError(NotFoundError):
    """No documentation has been built for the entity, or the site has no such page."""


class InvalidTechDocsRefError(InvalidInputError):
    """The ``backstage.io/techdocs-ref`` annotation is neither ``dir:`` nor ``url:``."""


class DocsConfigError(InvalidInputError):
    """``mkdocs.yml`` asks for something a build may not do; ``errors`` lists every problem."""


class DocsSourceError(TechDocsError):
    """The docs source could not be read (missing, too big, a symlink, unreadable)."""


class DocsBuildError(TechDocsError):
    """MkDocs failed, ran out of time or produced too much; the build log says more."""


class DocsStorageError(ProviderError):
    """The object store holding built sites refused a read or a write."""
