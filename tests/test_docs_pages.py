"""The code of the docs pages runs: each page's Python blocks, in order."""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent / "docs"
PAGES = ["custom_models.md"]


@pytest.mark.parametrize("page", PAGES)
def test_page_code_runs(page, monkeypatch, tmp_path):
    text = (DOCS / page).read_text()
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    assert blocks, f"{page} has no Python code"
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__main__"}
    for block in blocks:
        exec(compile(block, f"{page}", "exec"), namespace)


def test_guide_pages_have_names_of_their_own():
    # Sphinx's search page overwrote docs/search.md once. .ci/check_site.py
    # checks the built site; this keeps the names and the checker's reading
    # of each page (a title, a first sentence) right without a build.
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "check_site", DOCS.parent / ".ci" / "check_site.py")
    check_site = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check_site)
    pages = sorted(DOCS.glob("*.md"))
    assert {p.stem for p in pages}.isdisjoint({"search", "genindex", "py-modindex"})
    for page in pages:
        title, sentence = check_site.page_title_and_sentence(page)
        assert title, page.name
        assert len(sentence.split()) >= 5 and sentence[-1] in ".:;!?", (page.name,
                                                                          sentence)
