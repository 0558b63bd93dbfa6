"""Partners' critical-minerals lists as sets of atlas commodity values, each with the source it was read from.

A list is matched against a site's commodities; a list that names "rare earth elements" or "platinum-group metals"
matches each member of the group and the group value itself (``REE``, ``PGE``).
"""

from __future__ import annotations

from dataclasses import dataclass

from layers.deposits.commodities import GROUPS

_REE = frozenset(GROUPS["REE"])
_PGE = frozenset({"PGE", "Pt", "Pd", "Rh", "Ir", "Os", "Ru"})


@dataclass(frozen=True)
class CriticalList:
    """One partner's list: who publishes it, its members in atlas values, and where it was read."""

    list_id: str
    partner: str  # one of geo.partners.PARTNER_GROUPS
    title: str
    members: frozenset[str]
    sources: tuple[str, ...]
    note: str = ""


def _values(text: str, *groups: frozenset[str]) -> frozenset[str]:
    return frozenset(text.split()).union(*groups)


#: The lists, by id. Members are the atlas's commodity values (element symbols and lower-case names).
CRITICAL_LISTS: dict[str, CriticalList] = {item.list_id: item for item in (
    CriticalList(
        "eu-crma-2024", "EU", "EU Critical Raw Materials Act, Regulation (EU) 2024/1252, Annex II (34 critical raw "
        "materials; the 2023 assessment)",
        _values("Sb As Al Ba Be Bi B Co coal Cu feldspar F fluorite Ga Ge Hf He Li Mg Mn graphite Ni Nb phosphate P "
                "Sc Si Sr Ta Ti W V", _REE, _PGE),
        ("https://eur-lex.europa.eu/eli/reg/2024/1252/2024-05-03",
         "https://nicola-bernard.de/en/critical-raw-materials-act-crma-has-entered-into-force/"),
        "coal stands for coking coal; heavy and light rare earths and the platinum-group metals are listed as groups"),
    CriticalList(
        "us-2025", "USA", "United States, 2025 List of Critical Minerals (USGS, 60 minerals)",
        _values("Al Sb As Ba Be Bi Ce Cs Cr Co Dy Er Eu F fluorite Gd Ga Ge graphite Hf Ho In Ir La Li Lu Mg Mn Nd "
                "Ni Nb Pd Pt Pr Rh Rb Ru Sm Sc Ta Te Tb Tm Sn Ti W V Yb Y Zn Zr "
                "B Cu Pb coal phosphate K Re Si Ag U REE PGE"),
        ("https://um-material.com/news/us-geological-survey-to-update-critical-mineral-list",
         "https://rawmaterials.net/usgs-adds-ten-new-materials-to-2025-critical-minerals-list",
         "https://www.einpresswire.com/article/865388069/interior-department-releases-final-2025-list-of-critical-minerals"),
        "the 50 minerals of 2022 (rare earths and platinum-group metals one by one; a site given only as REE or PGE "
        "matches) plus the ten added in 2025 (boron, copper, lead, metallurgical coal, phosphate, "
        "potash, rhenium, silicon, silver, uranium)"),
    CriticalList(
        "uk-2024-top10", "UK", "United Kingdom, 2024 Criticality Assessment: the ten most critical of 34",
        _values("Co Ga Ge Mg Nb P phosphate Rh Ru W", _REE),
        ("https://mining-technology.com/newsletters/uk-commissioned-assessment-report?type=Analysis",
         "https://nora.nerc.ac.uk/id/eprint/538471/"),
        "only the ten named as most critical: the full list of 34 was not in the sources read"),
    CriticalList(
        "china-2016", "China", "China, National Plan for Mineral Resources 2016–2020: strategic mineral catalogue "
        "(24 minerals)",
        _values("U coal Fe Cr Cu Al Au Ni W Sn Mo Sb Co Li Zr P phosphate K graphite F fluorite", _REE),
        ("https://origin.iea.org/policies/15519-national-plan-for-mineral-resources-2016-2020",),
        "oil, natural gas, shale gas and coal-bed methane are on the catalogue but not among the atlas's commodities"),
    CriticalList(
        "japan-rare-metals", "Japan", "Japan, 31 rare metals (Rare Metals Security Strategy; JOGMEC stockpiling)",
        _values("Li Be B Ti V Cr Mn Co Ni Ga Ge Se Rb Sr Zr Nb Mo Pd In Sb Te Cs Ba Hf Ta W Re Pt Tl Bi", _REE),
        ("http://news.chinatungsten.com/en/tungsten-product-news/136351-tpn-9673.html",
         "https://origin.iea.org/policies/16639-international-resource-strategy-national-stockpiling-system")),
    CriticalList(
        "korea-2023", "Korea", "Republic of Korea, 33 critical minerals (MOTIE strategy, February 2023)",
        _values("Li Ni Co Mn graphite REE Nd Dy Tb Ce La Nb Cu Al Si Mg Mo V Pt Pd Sn Ti W Sb Bi Cr Pb Zn Ga In Ta "
                "Zr Sr Se"),
        ("https://prod.iea.org/policies/17942-the-strategy-for-securing-reliable-critical-minerals-supply?s=1",
         "https://english.motie.go.kr/eng/article/EATCLdfa319ada/1212/view"),
        "rare earths: neodymium, dysprosium, terbium, cerium and lanthanum"),
)}


def get_critical_list(list_id: str) -> CriticalList:
    """Return a list by id.

    Raises
    ------
    KeyError
        Naming the known ids, if ``list_id`` is not one.
    """
    if list_id not in CRITICAL_LISTS:
        raise KeyError(f"no critical-minerals list {list_id!r}; lists: {', '.join(CRITICAL_LISTS)}")
    return CRITICAL_LISTS[list_id]


def on_list(commodities: list[str], critical: CriticalList) -> list[str]:
    """Return the commodities of a site that ``critical`` names, in the site's order."""
    return [value for value in commodities if value in critical.members]
