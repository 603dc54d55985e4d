"""The audit log on SQLite and PostgreSQL: what is recorded, filters, pages, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from goldpath.config import Settings
from goldpath.db import Database
from goldpath.permissions import (
    PERMISSIONS,
    AuditLog,
    AuditPruner,
    MappingDirectory,
    NotAllowedError,
    PermissionService,
    Policy,
    Resource,
    Subject,
)
from goldpath.runtime import Runtime

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TEAM_A = "group:default/team-a"


def _service(database: Database) -> PermissionService:
    return PermissionService(
        policy=Policy.default(development=False, admin_groups=frozenset({"group:default/ops"})),
        directory=MappingDirectory({"user:default/alice": [TEAM_A]}, {}),
        audit=AuditLog(database),
    )


def _entity(owner: str = TEAM_A, name: str = "svc") -> Resource:
    return Resource(
        type="catalog-entity", ref=f"component:default/{name}", owners=frozenset({owner})
    )


def _fill(log: AuditLog, service: PermissionService) -> None:
    alice = service.subject("user:default/alice")
    bob = service.subject("user:default/bob")
    for minutes, subject, name, owner in (
        (0, alice, "catalog.entity.delete", TEAM_A),
        (1, bob, "catalog.entity.delete", TEAM_A),
        (2, bob, "catalog.entity.refresh", TEAM_A),
        (3, alice, "scaffolder.task.cancel", "group:default/team-b"),
    ):
        decision = service.decide(subject, name, _entity(owner, name=f"e{minutes}"))
        log.record(decision, at=T0 + timedelta(minutes=minutes))


def test_changes_allowed_and_every_denial_are_recorded_reads_are_not(
    any_database: Database,
) -> None:
    service = _service(any_database)
    alice = service.subject("user:default/alice")
    service.authorize(alice, "catalog.entity.read", _entity())
    service.authorize(alice, "catalog.entity.delete", _entity())
    with pytest.raises(NotAllowedError):
        service.authorize(alice, "audit.read")
    entries = service.audit.query().items
    assert [(e.permission, e.decision, e.rule) for e in entries] == [
        ("audit.read", "deny", "default:deny"),
        ("catalog.entity.delete", "allow", "default:owners"),
    ]
    assert entries[1].actor == "user:default/alice"
    assert entries[1].resource == "component:default/svc"
    assert entries[1].resource_type == "catalog-entity"


def test_filters_by_actor_permission_resource_decision_and_time(any_database: Database) -> None:
    log = AuditLog(any_database)
    _fill(log, _service(any_database))

    def perms(**filters: object) -> list[str]:
        return [e.permission for e in log.query(**filters).items]  # type: ignore[arg-type]

    assert perms(actor="user:default/bob") == ["catalog.entity.refresh", "catalog.entity.delete"]
    assert perms(permission="catalog.entity.*", decision="allow") == ["catalog.entity.delete"]
    assert perms(permission="scaffolder.task.cancel") == ["scaffolder.task.cancel"]
    assert perms(resource="component:default/e2") == ["catalog.entity.refresh"]
    window = perms(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3))
    assert window == ["catalog.entity.refresh", "catalog.entity.delete"]
    assert perms(permission="catalog_entity%") == []  # SQL wildcards are literal


def test_pages_are_newest_first_with_a_total_and_the_next_offset(any_database: Database) -> None:
    log = AuditLog(any_database)
    _fill(log, _service(any_database))
    first = log.query(limit=3)
    assert first.total == 4 and first.next_offset == 3
    assert [e.at for e in first.items] == sorted((e.at for e in first.items), reverse=True)
    last = log.query(limit=3, offset=3)
    assert len(last.items) == 1 and last.next_offset is None
    assert last.as_dict()["items"][0]["at"] == "2026-12-01T12:00:00Z"  # type: ignore[index]


def test_pruning_forgets_entries_older_than_the_retention(any_database: Database) -> None:
    log = AuditLog(any_database)
    _fill(log, _service(any_database))
    assert log.prune(retention_days=30, now=T0 + timedelta(days=30, minutes=2)) == 2
    assert [e.resource for e in log.query().items] == [
        "component:default/e3",
        "component:default/e2",
    ]


def test_a_retention_of_zero_keeps_everything(any_database: Database) -> None:
    log = AuditLog(any_database)
    _fill(log, _service(any_database))
    assert log.prune(retention_days=0, now=T0 + timedelta(days=10_000)) == 0
    assert log.query().total == 4


def test_the_runtime_prunes_the_audit_log_when_it_starts(settings: Settings) -> None:
    configured = settings.model_copy(
        update={"permission": settings.permission.model_copy(update={"audit_retention_days": 7})}
    )
    runtime = Runtime(configured)
    runtime.prepare()
    service = runtime.permissions
    decision = service.decide(Subject("user:default/x"), PERMISSIONS.get("audit.read"))
    service.audit.record(decision, at=datetime.now(UTC) - timedelta(days=8))
    service.audit.record(decision, at=datetime.now(UTC) - timedelta(days=6))
    runtime.start()
    try:
        assert service.audit.query().total == 1
    finally:
        runtime.stop()


def test_the_pruner_loop_stops_cleanly(database: Database) -> None:
    pruner = AuditPruner(AuditLog(database), retention_days=1, interval_seconds=0.01)
    pruner.start()
    pruner.stop()
    assert pruner.prune_once() == 0
