"""The ownership graph: effective economic interest, control and partner attribution of any entity, as of a date.

Rules (README, "Ownership rules"):

* Economic interest flows up ``equity`` and ``joint venture`` edges with a known share: the product of the
  stakes along a path, summed over paths. Other relations (MoU, offtake, financing, partnership, pending
  equity) are shown but never add to a share.
* Where an entity's owners are not known by share, its stake goes to its controller (a ``control`` edge, or
  an owner of more than 50 %) only when the entity's own nationality and kind already name the same
  partner group as its controller, and the controller's own attribution is fully known (a US subsidiary of a
  US fund; a state company under the state holding). Otherwise the controller's partner group is named with
  the share unknown: never an invented 100 %.
* An entity with no owners at all is an ultimate owner: its stake goes to its own partner group. When some
  owners are known by share and the rest is not named, the rest is ``unknown``.
* Dates: an edge without ``valid_from`` holds from its ``source_date`` (the earliest date a source supports)
  and is flagged *start unknown* (:func:`layers.dates.effective_start`). Before that date the owned entity's
  owners are *unknown* (as when some owners are known and the rest is not named), not the entity itself;
  its controlling partner stays its own group unless that edge may carry control (a control relation, an
  unknown or a majority share).
* Conflicting equity rows are chosen between by two rules: of several rows of the same owner -> owned pair
  holding on a date, only the one that starts last counts (the later source supersedes), except that a row
  without a share never replaces one with a share (it confirms the relation, e.g. Semizbay-U "formed in
  2009" beside CGN's 49 % of 2008); and when the rows with a known start into an entity already add up to at
  least 95 %, its rows with an unknown start do not count on that date (a dated, complete picture beats an
  undated claim, e.g. Cameco's "nearly 75 %" of Kumtor from the 1990s).
* Known direct shares above 100 % are scaled down to 100 % and flagged; cycles are cut where they close and
  flagged; chains of five or more levels, placeholder owners and low-confidence edges are flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from geo.partners import own_group
from layers.dates import effective_start, period_start, valid_at
from layers.schema import EQUITY_RELATIONS

#: Direct shares outside this band are flagged (GEM ownership tracker's data-quality rule).
SHARE_SUM_BAND_PCT = (95.0, 105.0)

#: A chain this long or longer is flagged.
LONG_CHAIN_LEVELS = 5

#: Confidence values flagged as low.
LOW_CONFIDENCE = frozenset({"reported", "inferred"})


@dataclass(frozen=True)
class Edge:
    """One ownership or relation edge valid at the date asked about."""

    edge_id: str
    owner_id: str
    owned_id: str
    share_pct: float | None
    relation: str
    valid_from: str
    valid_to: str
    source: str
    confidence: str
    source_date: str = ""
    start_unknown: bool = False  # valid_from empty: holds from source_date

    @property
    def start(self) -> str:
        """The date the edge holds from: ``valid_from``, else ``source_date`` (empty: unknown)."""
        return self.source_date if self.start_unknown else self.valid_from

    def as_dict(self) -> dict:
        """Return the edge as JSON-ready values."""
        return {"edge_id": self.edge_id, "owner_id": self.owner_id, "owned_id": self.owned_id,
                "share_pct": self.share_pct, "relation": self.relation, "valid_from": self.valid_from,
                "valid_to": self.valid_to, "source": self.source, "confidence": self.confidence,
                "source_date": self.source_date, "start_unknown": self.start_unknown}


@dataclass(frozen=True)
class Part:
    """A part of an entity's stake: who it goes to, how big (None: unknown) and along which edges."""

    partner: str  # a partner group, or "unknown"
    fraction: float | None  # of the entity asked about, 0..1; None when unknown
    edges: tuple[Edge, ...]  # from the entity up to ``terminal_id``
    terminal_id: str  # the ultimate owner (or the controller named for an unknown share)
    via_control: bool = False  # reached through a control relation without a share


@dataclass
class Attribution:
    """The attribution of one entity's stake."""

    entity_id: str
    parts: list[Part]
    controller_chain: list[str]  # entity ids from the entity to its ultimate controller
    controlling_partner: str | None
    flags: list[str] = field(default_factory=list)

    @property
    def fully_known(self) -> bool:
        """True when every part has a known size and a known partner."""
        return all(p.fraction is not None and p.partner != "unknown" for p in self.parts)

    def single_group(self) -> str | None:
        """Return the one partner group that holds everything, if the attribution is fully known."""
        groups = {p.partner for p in self.parts}
        return groups.pop() if self.fully_known and len(groups) == 1 else None


class OwnershipGraph:
    """Companies and ownership edges; answers questions as of a date."""

    def __init__(self, companies: pd.DataFrame, ownership: pd.DataFrame) -> None:
        self.companies = {row["company_id"]: row for row in companies.to_dict("records")}
        self._edges = [_edge(row) for row in ownership.to_dict("records")]
        self._undated_into: dict[str, list[Edge]] = {}
        for e in self._edges:
            if e.start_unknown and e.start and e.relation in (*EQUITY_RELATIONS, "control"):
                self._undated_into.setdefault(e.owned_id, []).append(e)

    def reported_later(self, company_id: str, as_of: date) -> list[Edge]:
        """Owner edges of unknown start into ``company_id`` that a source first reports after ``as_of``.

        Before such an edge's source date the entity may well have had that owner already: its stake is
        unknown on ``as_of``, not the entity's own (rule "start unknown", module docstring).
        """
        return [e for e in self._undated_into.get(company_id, ())
                if (start := period_start(e.start)) is not None and as_of < start
                and not ((end := period_start(e.valid_to)) is not None and end <= start)]  # never holds

    def _control_unknown(self, company_id: str, as_of: date) -> bool:
        """True when an owner reported later may hold control: a control relation, or an unknown or >50 % stake."""
        return any(e.relation == "control" or e.share_pct is None or e.share_pct > 50.0
                   for e in self.reported_later(company_id, as_of))

    def entity(self, company_id: str) -> dict:
        """Return a company's row; raise KeyError naming the id if unknown."""
        if company_id not in self.companies:
            raise KeyError(f"unknown company {company_id!r}")
        return self.companies[company_id]

    def edges_at(self, as_of: date) -> list[Edge]:
        """Return every edge valid on ``as_of``, after the rules that choose between conflicting equity rows."""
        held = [e for e in self._edges if valid_at(e.start, e.valid_to, as_of)]
        return _choose(held)

    def owners(self, company_id: str, as_of: date) -> list[Edge]:
        """Edges into ``company_id`` valid on ``as_of`` (all relations)."""
        return [e for e in self.edges_at(as_of) if e.owned_id == company_id]

    def holdings(self, company_id: str, as_of: date) -> list[Edge]:
        """Edges out of ``company_id`` valid on ``as_of`` (all relations)."""
        return [e for e in self.edges_at(as_of) if e.owner_id == company_id]

    def controller(self, company_id: str, as_of: date) -> Edge | None:
        """Return the edge by which ``company_id`` is controlled: a control relation, or a stake above 50 %."""
        edges = self.owners(company_id, as_of)
        stated = [e for e in edges if e.relation == "control"]
        if stated:
            return stated[0]
        majority = [e for e in edges if e.relation in EQUITY_RELATIONS and (e.share_pct or 0.0) > 50.0]
        return majority[0] if majority else None

    def controller_chain(self, company_id: str, as_of: date) -> list[str]:
        """Return ids from ``company_id`` up to its ultimate controller (cycles stop where they close)."""
        chain = [company_id]
        edge = self.controller(company_id, as_of)
        while edge is not None and edge.owner_id not in chain:
            chain.append(edge.owner_id)
            edge = self.controller(edge.owner_id, as_of)
        return chain

    def controlling_group(self, company_id: str, host_country: str, as_of: date) -> str | None:
        """Return the partner group of the entity's ultimate controller (None if its group is unknown)."""
        top_id = self.controller_chain(company_id, as_of)[-1]
        if self.controller(top_id, as_of) is None and self._control_unknown(top_id, as_of):
            return None
        top = self.entity(top_id)
        return own_group(top["home_country"], top["kind"], host_country)

    def attribute(self, company_id: str, host_country: str, as_of: date) -> Attribution:
        """Attribute 100 % of an entity's stake to partner groups.

        Parameters
        ----------
        company_id : str
            The entity (a licence holder, an operator ...).
        host_country : str
            Country of the deposit or facility: decides what is domestic.
        as_of : date
            Edges valid on this day are used.

        Returns
        -------
        Attribution
            Parts summing to 1 where known, the controller chain, the controlling partner group and flags.

        Raises
        ------
        KeyError
            If the entity or an owner is not a known company.
        """
        flags: list[str] = []
        parts = self._attribute(company_id, host_country, as_of, (), flags)
        chain = self.controller_chain(company_id, as_of)
        if len(set(chain)) < len(chain) or self.controller(chain[-1], as_of) is not None:
            flags.append(f"control cycle through {' -> '.join(chain)}")
        return Attribution(company_id, parts, chain, self.controlling_group(company_id, host_country, as_of),
                           _dedupe(flags))

    def _attribute(self, company_id: str, host: str, as_of: date, stack: tuple[str, ...],
                   flags: list[str]) -> list[Part]:
        entity = self.entity(company_id)
        if company_id in stack:
            flags.append(f"ownership cycle: {' -> '.join([*stack, company_id])}; cut at {company_id}")
            return [Part("unknown", 1.0, (), company_id)]
        if len(stack) + 1 >= LONG_CHAIN_LEVELS:
            flags.append(f"chain of {len(stack) + 1} or more levels above {stack[0]}")
        if entity["kind"] == "unnamed":
            flags.append(f"placeholder (unnamed) owner: {company_id}")
        edges = self.owners(company_id, as_of)
        for e in edges:
            if e.confidence in LOW_CONFIDENCE:
                flags.append(f"low-confidence edge ({e.confidence}): {e.owner_id} -> {e.owned_id} ({e.relation})")
        known = [e for e in edges if e.relation in EQUITY_RELATIONS and e.share_pct is not None]
        total = sum(e.share_pct for e in known)
        scale = 1.0
        if known and not SHARE_SUM_BAND_PCT[0] <= total <= SHARE_SUM_BAND_PCT[1]:
            flags.append(f"direct shares of {company_id} sum to {total:g} %")
        if total > 100.0:
            scale = 100.0 / total
        parts: list[Part] = []
        for e in known:
            for sub in self._attribute(e.owner_id, host, as_of, (*stack, company_id), flags):
                fraction = None if sub.fraction is None else e.share_pct / 100.0 * scale * sub.fraction
                parts.append(Part(sub.partner, fraction, (e, *sub.edges), sub.terminal_id, sub.via_control))
        remainder = max(0.0, 1.0 - min(total, 100.0) / 100.0)
        if remainder > 1e-9:
            parts += self._remainder(company_id, entity, host, as_of, stack, flags, remainder, known)
        return parts

    def _remainder(self, company_id: str, entity: dict, host: str, as_of: date, stack: tuple[str, ...],
                   flags: list[str], remainder: float, known: list[Edge]) -> list[Part]:
        edges = self.owners(company_id, as_of)
        unknown_share = [e for e in edges if e.relation in EQUITY_RELATIONS and e.share_pct is None]
        control = [e for e in edges if e.relation == "control"]
        if not (known or unknown_share or control):
            group = own_group(entity["home_country"], entity["kind"], host)
            later = self.reported_later(company_id, as_of)
            for e in later:
                flags.append(f"stake of {e.owner_id} in {company_id} unknown before {e.start}: first reported "
                             "then, its start not given")
            if later:
                return [Part("unknown", remainder, (), company_id)]
            return [Part(group or "unknown", remainder, (), company_id)]
        if control:
            edge = control[0]
            if edge.owner_id in stack or edge.owner_id == company_id:
                flags.append(f"ownership cycle: {' -> '.join([*stack, company_id, edge.owner_id])}")
                return [Part("unknown", remainder, (), company_id)]
            above = self._attribute(edge.owner_id, host, as_of, (*stack, company_id), flags)
            groups = {p.partner for p in above}
            mine = own_group(entity["home_country"], entity["kind"], host)
            if mine is not None and groups == {mine} and all(p.fraction is not None for p in above):
                return [Part(mine, remainder, (edge,), edge.owner_id, via_control=True)]
            group = self.controlling_group(edge.owner_id, host, as_of) or "unknown"
            flags.append(f"stake of {edge.owner_id} in {company_id} unknown (control without a share)")
            return [Part(group, None, (edge,), edge.owner_id, via_control=True)]
        if unknown_share:
            result = []
            for edge in unknown_share:
                flags.append(f"stake of {edge.owner_id} in {company_id} unknown")
                group = self.controlling_group(edge.owner_id, host, as_of) or "unknown"
                result.append(Part(group, None, (edge,), edge.owner_id))
            return result
        return [Part("unknown", remainder, (), company_id)]


def _choose(edges: list[Edge]) -> list[Edge]:
    """Drop equity rows superseded on the same date (see the module docstring), keeping the input order."""
    equity = [e for e in edges if e.relation in EQUITY_RELATIONS]
    latest: dict[tuple[str, str], Edge] = {}
    for e in equity:
        key = (e.owner_id, e.owned_id)
        if key not in latest or _supersedes(e, latest[key]):
            latest[key] = e
    dated_sum: dict[str, float] = {}
    for e in latest.values():
        if not e.start_unknown and e.share_pct is not None:
            dated_sum[e.owned_id] = dated_sum.get(e.owned_id, 0.0) + e.share_pct
    complete = {owned for owned, total in dated_sum.items() if total >= SHARE_SUM_BAND_PCT[0]}
    keep = {id(e) for e in latest.values() if not (e.start_unknown and e.owned_id in complete)}
    return [e for e in edges if e.relation not in EQUITY_RELATIONS or id(e) in keep]


def _supersedes(new: Edge, old: Edge) -> bool:
    """A row replaces another of the same pair when it starts no earlier and does not lose a known share."""
    if (new.share_pct is None) != (old.share_pct is None):
        return new.share_pct is not None
    return _start_key(new) >= _start_key(old)


def _start_key(edge: Edge) -> date:
    return period_start(edge.start) or date.min


def _edge(row: dict) -> Edge:
    share = row["share_pct"]
    _, unknown = effective_start(row.get("valid_from", ""), row.get("source_date", "") or "")
    return Edge(
        edge_id=row["edge_id"], owner_id=row["owner_id"], owned_id=row["owned_id"],
        share_pct=None if share is None or pd.isna(share) else float(share), relation=row["relation"],
        valid_from=row["valid_from"], valid_to=row["valid_to"], source=row["source"], confidence=row["confidence"],
        source_date=row.get("source_date", "") or "", start_unknown=unknown,
    )


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
