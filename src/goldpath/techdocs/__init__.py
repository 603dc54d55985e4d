"""TechDocs: each entity's docs-like-code built by MkDocs (sandboxed, allow-listed,
sanitised), stored in the home or S3, served in the portal and searchable."""

from goldpath.techdocs._builder import ASSET_SUFFIXES, Builder, BuiltPage, BuiltSite
from goldpath.techdocs._config import (
    DEFAULT_EXTENSIONS,
    DEFAULT_PLUGINS,
    MANAGED_EXTENSIONS,
    BuildPolicy,
    PreparedSource,
    prepare_source,
)
from goldpath.techdocs._index import DocHit
from goldpath.techdocs._reading import (
    CatalogSourceReader,
    CommitPinner,
    FolderReader,
    SourceReader,
    SourceTree,
    resolve_source,
)
from goldpath.techdocs._ref import (
    ANNOTATION_TECHDOCS_REF,
    TechDocsRef,
    parse_techdocs_ref,
    techdocs_ref_of,
)
from goldpath.techdocs._sandbox import BuildSandbox, SandboxPool
from goldpath.techdocs._sanitise import Section, sanitise_html, sections_of
from goldpath.techdocs._service import DocsPage, SiteStatus, TechDocsService, site_key
from goldpath.techdocs._storage import (
    DocsStorage,
    LocalDocsStorage,
    S3DocsStorage,
    content_type,
    storage_from_settings,
)
from goldpath.techdocs._workers import TechDocsWorkers
from goldpath.techdocs.errors import (
    DocsBuildError,
    DocsConfigError,
    DocsNotFoundError,
    DocsSourceError,
    DocsStorageError,
    InvalidTechDocsRefError,
    TechDocsError,
)

__all__ = [
    "ANNOTATION_TECHDOCS_REF",
    "ASSET_SUFFIXES",
    "DEFAULT_EXTENSIONS",
    "DEFAULT_PLUGINS",
    "MANAGED_EXTENSIONS",
    "BuildPolicy",
    "BuildSandbox",
    "Builder",
    "BuiltPage",
    "BuiltSite",
    "CatalogSourceReader",
    "CommitPinner",
    "DocHit",
    "DocsBuildError",
    "DocsConfigError",
    "DocsNotFoundError",
    "DocsPage",
    "DocsSourceError",
    "DocsStorage",
    "DocsStorageError",
    "FolderReader",
    "InvalidTechDocsRefError",
    "LocalDocsStorage",
    "PreparedSource",
    "S3DocsStorage",
    "SandboxPool",
    "Section",
    "SiteStatus",
    "SourceReader",
    "SourceTree",
    "TechDocsError",
    "TechDocsRef",
    "TechDocsService",
    "TechDocsWorkers",
    "content_type",
    "parse_techdocs_ref",
    "prepare_source",
    "resolve_source",
    "sanitise_html",
    "sections_of",
    "site_key",
    "storage_from_settings",
    "techdocs_ref_of",
]
