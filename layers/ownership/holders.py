"""Licence holders given as text (cadastre exports): parsed into companies and equity edges.

A cadastre portal writes a licence's holders as text: ``"Company A (60%), Company B (40%)"``,
``"Company A 60%; Company B 40%"`` or ``"Company A"``. :func:`parse_holders` reads such text;
:func:`resolve_holders` turns it into the relation tables: each holder is matched to an existing company by
name (or becomes a placeholder company), and a licence with several holders gets a synthetic holder entity
owned by them in ``equity`` edges carrying the shares, so the ownership analysis treats it like any joint
venture. docs/LICENCE_IMPORT.md documents the rules.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd

from layers.deposits.names import name_keys, transliterate
from layers.schema import COMPANIES, OWNERSHIP
from layers.tables import assemble

#: ``kind`` of the synthetic entity standing for a licence's several holders.
LICENCE_HOLDERS_KIND = "licence holders"

#: Legal-form words dropped before names are compared ("Kazgeology JSC" = "Kazgeology").
LEGAL_FORMS = frozenset(
    "llp llc ltd limited jsc ojsc cjsc pjsc plc inc corp corporation co ag gmbh sa nv bv "
    "тоо ао оао зао пао ооо осоо мчж".split()
)

_NUMBER = r"(?P<pct>\d{1,3}(?:[.,]\d+)?)"
_SHARE_FORMS = (
    re.compile(rf"^(?P<name>.+?)\s*[(\[]\s*{_NUMBER}\s*%\s*[)\]]$"),  # Company A (60%)
    re.compile(rf"^(?P<name>.+?)\s*[-–—:]?\s*{_NUMBER}\s*%$"),  # Company A 60% / Company A - 60 %
    re.compile(rf"^{_NUMBER}\s*%\s*[-–—:]?\s*(?P<name>.+)$"),  # 60% Company A
)
_LETTER = re.compile(r"[^\W\d_]")


def parse_holders(text: str) -> tuple[list[tuple[str, float | None]], list[str]]:
    """Read a cadastre's holder text into holders and shares.

    Holders are separated by ``;``, ``,`` or a new line, except inside parentheses and inside a decimal
    comma (``60,5%``). A holder is ``Name (60%)``, ``Name 60%``, ``Name - 60 %`` or ``60% Name``, or a
    name without a share.

    Parameters
    ----------
    text : str
        e.g. ``"Company A (60%), Company B (40%)"``.

    Returns
    -------
    holders : list of (str, float or None)
        Each holder's name as written and its share in percent (None when the text gives none), in order.
    unparsed : list of str
        Parts that could not be read: unbalanced parentheses, a ``%`` in an unrecognised place, a share
        over 100, or no letters. Whether the shares add up is the caller's concern.
    """
    holders: list[tuple[str, float | None]] = []
    unparsed: list[str] = []
    for part in _split(text or ""):
        holder = _parse_part(part)
        if holder is None:
            unparsed.append(part)
        else:
            holders.append(holder)
    return holders, unparsed


def _split(text: str) -> list[str]:
    parts, current, depth = [], [], 0
    for index, char in enumerate(text):
        depth += (char in "([") - (char in ")]")
        between_digits = 0 < index < len(text) - 1 and text[index - 1].isdigit() and text[index + 1].isdigit()
        if char in ";,\n" and depth <= 0 and not (char == "," and between_digits):
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [" ".join(p.split()) for p in parts if p.strip()]


def _parse_part(part: str) -> tuple[str, float | None] | None:
    if part.count("(") != part.count(")") or part.count("[") != part.count("]"):
        return None
    for pattern in _SHARE_FORMS:
        match = pattern.match(part)
        if match:
            name = match.group("name").strip(" -–—:")
            share = float(match.group("pct").replace(",", "."))
            return (name, share) if share <= 100.0 and _LETTER.search(name) else None
    if "%" in part or not _LETTER.search(part):
        return None
    return part, None


def company_keys(name: str, name_ru: str = "") -> set[str]:
    """Return the keys a company name is matched by: :func:`layers.deposits.names.name_keys` without legal forms.

    Parameters
    ----------
    name, name_ru : str
        The company's names; bracketed alternatives count as names (``"KTZ JSC (Kazakhstan Temir Zholy)"``).

    Returns
    -------
    set of str
    """
    return name_keys(_without_legal_form(name), [_without_legal_form(name_ru)] if name_ru else [])


def _without_legal_form(name: str) -> str:
    kept = [w for w in re.split(r"[\s«»\"“”„]+", name) if w.strip(".,").casefold() not in LEGAL_FORMS]
    return " ".join(kept) or name


@dataclass
class HolderResolution:
    """What :func:`resolve_holders` made of the licences' holder texts."""

    licences: pd.DataFrame  # every licence, holder_company_id filled where the text could be resolved
    companies: pd.DataFrame  # placeholder and synthetic companies to add (COMPANIES schema)
    ownership: pd.DataFrame  # equity edges holder -> synthetic entity (OWNERSHIP schema)
    problems: list[str] = field(default_factory=list)


def resolve_holders(licences: pd.DataFrame, companies: pd.DataFrame) -> HolderResolution:
    """Turn the holder text of licences without a holder company into companies and equity edges.

    A licence whose ``holder_company_id`` is empty and ``holder_text`` is not is resolved:

    * each holder name is matched to a company by :func:`company_keys` (placeholder entities, kind
      ``unnamed``, and synthetic ones never match); a name no company carries becomes a placeholder company
      (``kind`` and ``home_country`` empty, ``company_id`` slugged from the name, reused by every licence
      naming it); a name two companies carry is reported and left out;
    * one holder with no share or 100% becomes the licence's ``holder_company_id``;
    * several holders, or one holder with a share under 100%, become a synthetic entity
      ``licence-<licence id>`` (kind ``licence holders``) that is the licence's holder, owned by each holder
      through an ``equity`` edge with the parsed share (NaN if not given), valid over the licence's
      ``granted`` to ``valid_to``. Shares that add up to more than 100% are reported and recorded as unknown.

    Parameters
    ----------
    licences : DataFrame or GeoDataFrame
        :data:`layers.schema.LICENCES` rows.
    companies : DataFrame
        :data:`layers.schema.COMPANIES` rows: the companies already known.

    Returns
    -------
    HolderResolution
        The licences with holders filled in, the companies and edges to add, and one problem line per part
        of a text that could not be used (``"licence X: could not parse holder text part 'Y'"``).
    """
    resolver = _Resolver(companies)
    holder_ids = [
        resolver.resolve(row) if not row["holder_company_id"] and row["holder_text"] else row["holder_company_id"]
        for row in licences.to_dict("records")
    ]
    resolved = licences.copy()
    resolved["holder_company_id"] = holder_ids
    return HolderResolution(
        licences=resolved,
        companies=assemble(resolver.new_companies, COMPANIES, what="companies from licence holder text"),
        ownership=assemble(resolver.edges, OWNERSHIP, what="ownership from licence holder text"),
        problems=resolver.problems,
    )


class _Resolver:
    def __init__(self, companies: pd.DataFrame) -> None:
        self.keys: dict[str, set[str]] = {}
        for row in companies.to_dict("records"):
            if row["kind"] not in ("unnamed", LICENCE_HOLDERS_KIND):
                for key in company_keys(row["name"], row["name_ru"]):
                    self.keys.setdefault(key, set()).add(row["company_id"])
        self.taken = set(companies["company_id"])
        self.new_companies: list[dict] = []
        self.edges: list[dict] = []
        self.problems: list[str] = []

    def resolve(self, licence: dict) -> str:
        lid, text = licence["licence_id"], licence["holder_text"]
        holders, unparsed = parse_holders(text)
        self.problems += [f"licence {lid}: could not parse holder text part {part!r}" for part in unparsed]
        ids = [self._company(name, licence) for name, _ in holders]
        shares = [share for _, share in holders]
        if all(s is not None for s in shares) and sum(shares) > 100.0 + 1e-6:
            self.problems.append(f"licence {lid}: holder shares add up to {sum(shares):g}% (over 100); "
                                 "recorded as unknown")
            shares = [None] * len(shares)
        if not holders:
            return ""
        if len(holders) == 1 and (shares[0] is None or shares[0] >= 100.0):
            return ids[0] or ""
        entity = self._new_company(f"licence-{lid}", f"Holders of licence {lid}", LICENCE_HOLDERS_KIND, licence,
                                   f"synthetic entity: the holders of licence {lid} as the source lists them: "
                                   f"{text}")
        for position, (company_id, share) in enumerate(zip(ids, shares, strict=True), start=1):
            if company_id:
                self.edges.append(self._edge(company_id, entity, position, share, licence))
        return entity

    def _company(self, name: str, licence: dict) -> str | None:
        keys = company_keys(name)
        matches = set().union(*(self.keys.get(k, set()) for k in keys))
        if len(matches) > 1:
            self.problems.append(f"licence {licence['licence_id']}: holder {name!r} matches several companies "
                                 f"{sorted(matches)}; left out")
            return None
        if matches:
            return matches.pop()
        company_id = self._new_company(name, name, "", licence, "placeholder created from licence holder text")
        for key in keys:
            self.keys.setdefault(key, set()).add(company_id)
        return company_id

    def _new_company(self, slug_from: str, name: str, kind: str, licence: dict, notes: str) -> str:
        base = _slug(slug_from)
        company_id, n = base, 1
        while company_id in self.taken:
            n += 1
            company_id = f"{base}-{n}"
        self.taken.add(company_id)
        self.new_companies.append({
            "company_id": company_id, "name": name, "name_ru": "", "kind": kind, "home_country": "",
            "listed_on": "", "notes": f"{notes} ({licence['licence_id']})",
            "source": licence["references"] or licence["source"], "confidence": licence["confidence"],
            "source_date": licence.get("source_date", ""),
        })
        return company_id

    @staticmethod
    def _edge(owner: str, owned: str, position: int, share: float | None, licence: dict) -> dict:
        return {
            "edge_id": f"{owner}>{owned}#{position}", "owner_id": owner, "owned_id": owned,
            "share_pct": math.nan if share is None else share,
            "valid_from": licence["granted"], "valid_to": licence["valid_to"], "relation": "equity",
            "source": licence["references"] or licence["source"], "confidence": licence["confidence"],
            "source_date": licence.get("source_date", ""), "source_quote": "",
            "notes": f"holder {position} in the holder text of licence {licence['licence_id']}: "
                     f"{licence['holder_text']}",
        }


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", transliterate(text)).strip("-") or "holder"
