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
