"""The front door holds: every link of the README and of docs/ leads to a file of the project, and every
#anchor to a heading of that file, as GitHub renders them."""

import glob
import os
import re

import pytest

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = sorted(
    [os.path.join(PROJECT_DIR, "README.md"), os.path.join(PROJECT_DIR, "models", "shakespeare", "README.md")]
    + glob.glob(os.path.join(PROJECT_DIR, "docs", "*.md"))
)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")  # [text](target) and ![alt](picture)


def slug(heading):
    """The anchor GitHub gives a heading: lower case, punctuation dropped (but - and _), spaces to hyphens."""
    text = re.sub(r"`", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def prose(path):
    """The page without its code blocks (a # there is a comment, not a heading; a [x](y) is code)."""
    with open(path, encoding="utf-8") as f:
        return re.sub(r"```.*?```", "", f.read(), flags=re.S)


def anchors(path):
    return {slug(line.lstrip("#")) for line in prose(path).splitlines() if re.match(r"#{1,6} ", line)}


def links(path):
    return [target for target in LINK.findall(prose(path)) if not re.match(r"[a-z]+:", target)]  # not http(s):


def test_links_are_found():
    assert len(links(os.path.join(PROJECT_DIR, "README.md"))) >= 10  # the README links its pages and pictures


def test_slug_follows_github():
    assert slug("The same runs at the lessons' defaults") == "the-same-runs-at-the-lessons-defaults"
    assert slug("`--xla`") == "--xla"
    assert slug("Credits and licence") == "credits-and-licence"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: os.path.relpath(p, PROJECT_DIR))
def test_every_link_resolves(page):
    broken = []
    for target in links(page):
        file_part, _, anchor = target.partition("#")
        path = os.path.normpath(os.path.join(os.path.dirname(page), file_part)) if file_part else page
        if not os.path.exists(path):
            broken.append(f"{target}: no file {os.path.relpath(path, PROJECT_DIR)}")
        elif anchor and path.endswith(".md") and anchor not in anchors(path):
            broken.append(f"{target}: no heading #{anchor} in {os.path.relpath(path, PROJECT_DIR)}")
    assert not broken, f"{os.path.relpath(page, PROJECT_DIR)}: " + "; ".join(broken)
