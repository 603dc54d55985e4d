"""How goldpath's shipped CRD schemas derive from the upstream CRD definitions.

The shipped copies in ``src/goldpath/gitops/schemas/`` are the upstream schemas with
descriptions and ``status`` removed, the kind and apiVersion pinned, and unknown fields
refused wherever upstream lists an object's properties (the API server prunes unknown
fields of structural schemas, so a typo would otherwise vanish silently), and Go-style
inline ``(?i)`` flags moved to the front of patterns so Python's ``re`` accepts them.

Regenerate with ``python -m tests.gitops.crd_schemas`` from the project root.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

UPSTREAM = Path(__file__).resolve().parents[3] / "shared" / "schemas" / "crds"
SHIPPED = Path(__file__).resolve().parents[2] / "src" / "goldpath" / "gitops" / "schemas"

# (group, version, kind): the custom resources goldpath renders.
CUSTOM_KINDS = (
    ("argoproj.io", "v1alpha1", "Application"),
    ("argoproj.io", "v1alpha1", "AppProject"),
    ("monitoring.coreos.com", "v1", "ServiceMonitor"),
    ("monitoring.coreos.com", "v1", "PrometheusRule"),
    ("external-secrets.io", "v1", "ExternalSecret"),
    ("external-secrets.io", "v1", "ClusterSecretStore"),
)

_METADATA = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 253},
        "namespace": {"type": "string", "minLength": 1, "maxLength": 63},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
        "finalizers": {"type": "array", "items": {"type": "string"}},
    },
}


def file_name(group: str, version: str, kind: str) -> str:
    """``<group>/<kind lower-case>_<version>.json``, the upstream catalogue's layout."""
    return f"{group}/{kind.lower()}_{version}.json"


def _strip(node: Any) -> Any:
    if isinstance(node, list):
        return [_strip(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "description":
            continue
        if key == "pattern" and isinstance(value, str) and "(?i)" in value[1:]:
            # Go's RE2 takes (?i) anywhere; Python only at the start. Same language.
            out[key] = "(?i)" + value.replace("(?i)", "", 1)
        elif key in {"properties", "patternProperties", "definitions"} and isinstance(value, dict):
            # Keys here are property names (one may well be called "description").
            out[key] = {name: _strip(sub) for name, sub in value.items()}
        else:
            out[key] = _strip(value)
    if (
        "properties" in out
        and isinstance(out["properties"], dict)
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def derive(upstream: dict[str, Any], group: str, version: str, kind: str) -> dict[str, Any]:
    """The shipped schema for one custom kind, from its upstream schema."""
    properties = {
        key: value
        for key, value in upstream["properties"].items()
        if key not in {"status", "operation", "metadata", "apiVersion", "kind"}
    }
    schema: dict[str, Any] = _strip({**upstream, "properties": properties})
    schema["properties"]["apiVersion"] = {"const": f"{group}/{version}"}
    schema["properties"]["kind"] = {"const": kind}
    schema["properties"]["metadata"] = _METADATA
    schema["required"] = sorted({*upstream.get("required", []), "apiVersion", "kind", "metadata"})
    schema["additionalProperties"] = False
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema["title"] = f"{kind} ({group}/{version}), derived from the upstream CRD"
    return schema


def render_all() -> dict[str, str]:
    """Every shipped schema file's content, derived from the upstream folder."""
    files = {}
    for group, version, kind in CUSTOM_KINDS:
        name = file_name(group, version, kind)
        upstream = json.loads((UPSTREAM / name).read_text())
        derived = derive(upstream, group, version, kind)
        files[name] = json.dumps(derived, indent=1, sort_keys=True) + "\n"
    return files


if __name__ == "__main__":
    for name, text in render_all().items():
        target = SHIPPED / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        print(f"wrote {target} ({len(text)} bytes)")
