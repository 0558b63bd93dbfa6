"""Site linkage: scored matching of source records into sites, curated decisions and the review queue."""

from layers.linkage.core import LinkageReport, LinkageResult, link_sites
from layers.linkage.decisions import LinkDecision, load_decisions

__all__ = ["LinkDecision", "LinkageReport", "LinkageResult", "link_sites", "load_decisions"]
