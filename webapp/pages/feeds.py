"""Atom 1.0 and JSON Feed 1.1 documents of the store's changes: pure functions of rows and links, no request access."""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree as ET

ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


@dataclass(frozen=True)
class FeedItem:
    """One change as a feed entry."""

    id: str  # a stable URI (tag: URI of the change id)
    title: str
    text: str
    link: str  # absolute URL of the page the change concerns
    updated: str  # RFC 3339
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedHead:
    """What the feed itself says about itself."""

    id: str
    title: str
    self_url: str  # the feed's own absolute URL
    home_url: str  # the /changes page it mirrors
    updated: str
    language: str = "en"
    author: str = "Central Asia Critical Minerals Atlas"


def atom_feed(head: FeedHead, items: list[FeedItem]) -> bytes:
    """Return an Atom 1.0 document (RFC 4287): feed id, title, updated, author, self and alternate links, entries."""
    ET.register_namespace("", ATOM_NS)
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    feed = ET.Element("{http://www.w3.org/2005/Atom}feed", {xml_lang: head.language})
    _text(feed, "id", head.id)
    _text(feed, "title", head.title)
    _text(feed, "updated", head.updated)
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _text(author, "name", head.author)
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", {"rel": "self", "type": "application/atom+xml", "href": head.self_url})
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", {"rel": "alternate", "type": "text/html", "href": head.home_url})
    for item in items:
        entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
        _text(entry, "id", item.id)
        _text(entry, "title", item.title)
        _text(entry, "updated", item.updated)
        ET.SubElement(entry, f"{{{ATOM_NS}}}link", {"rel": "alternate", "type": "text/html", "href": item.link})
        for tag in item.tags:
            ET.SubElement(entry, f"{{{ATOM_NS}}}category", {"term": tag})
        summary = _text(entry, "summary", item.text)
        summary.set("type", "text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def json_feed(head: FeedHead, items: list[FeedItem]) -> dict:
    """Return a JSON Feed 1.1 document: version, title, home_page_url, feed_url, language, authors, items."""
    return {
        "version": JSON_FEED_VERSION, "title": head.title, "home_page_url": head.home_url,
        "feed_url": head.self_url, "language": head.language, "authors": [{"name": head.author}],
        "items": [{"id": item.id, "url": item.link, "title": item.title, "content_text": item.text,
                   "date_published": item.updated, "tags": list(item.tags)} for item in items],
    }


def _text(parent: ET.Element, name: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{name}")
    element.text = value
    return element
