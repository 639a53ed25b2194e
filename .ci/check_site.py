"""Check a built docs site the way a reader meets it.

Run after ``python -m sphinx -W -b html docs SITE``:

    python .ci/check_site.py SITE [--executed]

* Every user-guide page (``docs/*.md``) reaches the site under its own name:
  ``SITE/<page>.html`` has the page's title in its ``<title>``, holds the first
  sentence of the page's first paragraph, and the user guide links to it.
  (A page named like one of Sphinx's own, ``search.md``, is overwritten by
  Sphinx's search page; ``-W`` does not catch that.)
* With ``--executed``: every example's gallery page shows a figure and the
  output the example printed.

Building the site takes from about 20 seconds (no example run) to minutes
(every example), too long for the test suite: CI runs this script after its
docs build (``.ci/run``). Exits 1 and lists every problem found.
"""

import argparse
import html
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"


class _Text(HTMLParser):
    """The ``<title>`` and the visible text of an HTML page."""

    def __init__(self):
        super().__init__()
        self.title, self.text, self._in = "", [], []

    def handle_starttag(self, tag, attrs):
        self._in.append(tag)

    def handle_endtag(self, tag):
        while self._in and self._in.pop() != tag:
            pass

    def handle_data(self, data):
        if "title" in self._in:
            self.title += data
        elif not {"script", "style"} & set(self._in):
            self.text.append(data)


def _plain(markdown):
    """Markdown inline markup removed, whitespace collapsed."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)  # links
    text = re.sub(r"[`*]", "", text)
    return " ".join(text.split())


# Sphinx's smart quotes, and the pilcrow of heading anchors.
_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"',
                             "\u201d": '"', "\u2026": "...", "\u2013": "--",
                             "\u2014": "---", "\u00b6": " "})


def _squash(text):
    return " ".join(html.unescape(text).translate(_TYPOGRAPHY).split())


def page_title_and_sentence(path):
    """The page's ``# title`` and the first sentence of its first paragraph."""
    title, paragraph, fenced = None, [], False
    for line in path.read_text().splitlines():
        if line.startswith("```") or line.startswith(":::"):
            fenced = not fenced
            continue
        if fenced:
            continue
        if title is None and line.startswith("# "):
            title = _plain(line[2:])
        elif paragraph and line.strip():
            paragraph.append(line)
        elif paragraph:
            break
        elif title is not None and re.match(r"[A-Za-z`\[(]|\*\*", line):
            paragraph.append(line)
    text = _plain(" ".join(paragraph))
    sentence = re.split(r"(?<=[.:;!?])\s", text, maxsplit=1)[0]
    return title, sentence


def _read(path):
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return _squash(parser.title), _squash("".join(parser.text))


def check_guide(site):
    problems = []
    guide = (site / "user_guide.html").read_text(encoding="utf-8")
    for page in sorted(DOCS.glob("*.md")):
        built = site / f"{page.stem}.html"
        title, sentence = page_title_and_sentence(page)
        if not built.exists():
            problems.append(f"{page.name}: no {built.name} in the site")
            continue
        got_title, got_text = _read(built)
        if not got_title.startswith(title):
            problems.append(f"{page.name}: {built.name} is titled {got_title!r}, "
                            f"not {title!r}")
        if sentence not in got_text:
            problems.append(f"{page.name}: {built.name} lacks {sentence!r}")
        if f'href="{built.name}"' not in guide:
            problems.append(f"{page.name}: the user guide does not link to it")
    return problems


def check_gallery(site):
    problems = []
    for example in sorted(EXAMPLES.glob("plot_*.py")):
        built = site / "auto_examples" / f"{example.stem}.html"
        if not built.exists():
            problems.append(f"{example.name}: no gallery page")
            continue
        page = built.read_text(encoding="utf-8")
        if "sphx-glr-single-img" not in page and "sphx-glr-multi-img" not in page:
            problems.append(f"{example.name}: its gallery page has no figure")
        if "sphx-glr-script-out" not in page:
            problems.append(f"{example.name}: its gallery page has no output")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description="Check a built docs site.")
    parser.add_argument("site", type=Path, help="the folder Sphinx built")
    parser.add_argument("--executed", action="store_true",
                        help="every example ran: check figures and output")
    args = parser.parse_args(argv)
    problems = check_guide(args.site)
    if args.executed:
        problems += check_gallery(args.site)
    for problem in problems:
        print(problem)
    n_pages = len(list(DOCS.glob("*.md")))
    print(f"{len(problems)} problem(s); {n_pages} guide pages checked"
          + (", and the gallery" if args.executed else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
