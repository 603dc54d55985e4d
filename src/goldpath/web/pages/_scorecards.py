"""The Scorecards page (per-team roll-up, every component's checks) and the component card."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, Response

from goldpath.catalog import EntityRef
from goldpath.scorecards import Scorecard
from goldpath.web._deps import catalog_service, scorecard_service
from goldpath.web._permissions import authorize
from goldpath.web.pages._render import render
from goldpath.web.pages._views import RefLink, ref_link, titles_of

__all__ = ["ScorecardCard", "router", "scorecard_card", "score_class"]

router = APIRouter(include_in_schema=False)


def score_class(percent: int) -> str:
    """The colour a score is shown in: good from 80%, fair from 50%, else poor."""
    if percent >= 80:
        return "score-good"
    if percent >= 50:
        return "score-fair"
    return "score-poor"


@dataclass(frozen=True, slots=True)
class ScorecardCard:
    """What the component page's Scorecard card shows (``card`` None: not scored yet)."""

    card: Scorecard | None
    history: tuple[Scorecard, ...] = ()

    @property
    def css(self) -> str:
        """The score's colour class."""
        return score_class(self.card.percent) if self.card is not None else ""


def scorecard_card(request: Request, entity: Mapping[str, Any]) -> ScorecardCard | None:
    """The card for an entity some check applies to (None for the others); never scores."""
    service = scorecard_service(request)
    if not service.applies(entity):
        return None
    ref = EntityRef.of(entity)
    card = service.find(ref)
    history = tuple(service.history(ref, limit=5)) if card is not None else ()
    return ScorecardCard(card=card, history=history)


@dataclass(frozen=True, slots=True)
class _Row:
    card: Scorecard
    entity: RefLink
    owner: RefLink | None
    css: str


@router.get(
    "/scorecards", response_class=HTMLResponse, dependencies=[authorize("catalog.entity.read")]
)
def scorecards_page(request: Request, owner: str = Query("", max_length=400)) -> Response:
    """Per-owner roll-up, then every component's checks (of one owner with ``?owner=``)."""
    service = scorecard_service(request)
    chosen = owner.strip() or None
    cards = service.scorecards(owner=chosen)
    teams = service.rollup(owner=chosen)
    titles = titles_of(
        catalog_service(request),
        [card.entity_ref for card in cards]
        + [ref for ref in [*(c.owner for c in cards), *(t.owner for t in teams)] if ref],
    )
    rows = [
        _Row(
            card=card,
            entity=ref_link(card.entity_ref, titles=titles),
            owner=ref_link(card.owner, titles=titles) if card.owner else None,
            css=score_class(card.percent),
        )
        for card in cards
    ]
    return render(
        request,
        "scorecards.html",
        teams=[(team, ref_link(team.owner, titles=titles), score_class(team.percent))
               for team in teams],
        rows=rows,
        checks=list(service.checks),
        owner=chosen or "",
    )
