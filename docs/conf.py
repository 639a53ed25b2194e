"""Sphinx configuration of the skweight documentation.

Build: ``python -m sphinx -W -b html docs docs/_build/html`` (from the
repository root, with ``pip install ".[docs]"``).

* The API reference (``api.rst``) is written at build time from the
  ``__all__`` of every public module, so a new public name gets its page
  without editing the docs.
* The user guide is every Markdown page of ``docs/`` (read by myst-parser),
  in the order of ``GUIDE_ORDER``, then any other page by name.
* The gallery is ``examples/plot_*.py``, every one run at build time (its
  figures and printed output shown; an example that fails fails the build).
  All 13 together took 46 to 75 s of a 63 to 101 s build on two cores
  shared with other jobs (December 2026, load average 1 to 4.7;
  ``sg_execution_times.html`` in the site lists each example's time). The
  environment variable ``SKWEIGHT_DOCS_EXECUTE`` selects others for a quick
  local build: ``none``, or a regular expression on the example file names
  (``all``, the default, runs every one).
"""

import importlib
import os
import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # the docs and test extras install tomli there
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Document the checkout, not an installed copy.
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

import skweight  # noqa: E402

project = "skweight"
author = "skweight developers"
copyright = "skweight developers"
release = version = skweight.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

root_doc = "index"
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

# The public modules whose __all__ make the API reference, in page order.
PUBLIC_MODULES = [
    "skweight",
    "skweight.model_selection",
    "skweight.calibration",
    "skweight.ensemble",
    "skweight.metrics",
    "skweight.losses",
    "skweight.weighting",
    "skweight.datasets",
    "skweight.exceptions",
    "skweight.utils",
]

# The user guide, in reading order; pages not named here follow by name.
GUIDE_ORDER = [
    "class_weights",
    "dynamic_weighting",
    "multilabel_and_mixed",
    "scale_out",
    "persistence",
]
GUIDE_LAST = ["design"]

# -- autodoc / autosummary / numpydoc -----------------------------------------
autosummary_generate = True
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
# Class pages show skweight's own methods, inherited ones included (fit lives
# on the engine's base class), but not those of these frameworks' classes.
INHERITED_STOP = ["BaseWrapper", "BaseEstimator", "Loss", "BaseSearchCV",
                  "BaseCrossValidator", "MetaEstimatorMixin", "CallbackSupportMixin"]
autosummary_context = {"inherited_stop": ", ".join(INHERITED_STOP)}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# One set of docstring checks, shared with tests/test_docs.py.
with open(ROOT / "pyproject.toml", "rb") as _f:
    _numpydoc_conf = tomllib.load(_f)["tool"]["numpydoc_validation"]
numpydoc_validation_checks = set(_numpydoc_conf["checks"])
numpydoc_validation_exclude = set(_numpydoc_conf.get("exclude", []))

# -- myst -----------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

# -- sphinx-gallery ----------------------------------------------------------


def _examples_to_run():
    choice = os.environ.get("SKWEIGHT_DOCS_EXECUTE", "all")
    if choice == "all":
        return r"/plot_"
    if choice == "none":
        return r"^$"
    return choice


sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": _examples_to_run(),
    "ignore_pattern": r"__init__\.py",
    "doc_module": ("skweight",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"skweight": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "within_subsection_order": "FileNameSortKey",
}

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skweight {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "header_links_before_dropdown": 4,
    "show_toc_level": 2,
}
html_show_sourcelink = False
# Long API names wrap at the page's edge (the theme cuts them off).
html_static_path = ["_static"]
html_css_files = ["skweight.css"]


# -- generated pages -----------------------------------------------------------
def _public_names(module_name):
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        return None
    return [n for n in getattr(module, "__all__", []) if not n.startswith("__")]


def api_rst():
    """The API reference: one autosummary table per public module."""
    lines = [
        ".. Generated by docs/conf.py from the modules' __all__: do not edit.",
        "",
        "API reference",
        "=============",
        "",
    ]
    for module_name in PUBLIC_MODULES:
        names = _public_names(module_name)
        if not names:
            continue
        module = importlib.import_module(module_name)
        summary = (module.__doc__ or "").strip().splitlines()[0]
        lines += [
            f":mod:`{module_name}`",
            "-" * (len(module_name) + 7),
            "",
            f".. automodule:: {module_name}",
            "   :no-members:",
            "   :no-index:",
            "",
            summary if module_name != "skweight" else "",
            "",
            f".. currentmodule:: {module_name}",
            "",
            ".. autosummary::",
            "   :toctree: generated/",
            "   :template: object.rst",
            "",
        ]
        lines += [f"   {name}" for name in sorted(names, key=str.lower)]
        lines.append("")
    return "\n".join(lines)


def _write_api(app, config):
    text = api_rst()
    path = HERE / "api.rst"
    # Rewrite only on change, so an unchanged API does not rebuild every page.
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


# Pages Sphinx writes itself: a guide page of that name would be overwritten
# (docs/search.md once built to an empty search box), and -W does not say so.
SPHINX_PAGES = {"search", "genindex", "py-modindex"}


def _guide_pages():
    found = sorted(p.stem for p in HERE.glob("*.md"))
    taken = SPHINX_PAGES.intersection(found)
    if taken:
        raise ValueError(f"docs/{sorted(taken)[0]}.md would be overwritten by "
                         f"Sphinx's own page of that name: rename it.")
    first = [p for p in GUIDE_ORDER if p in found]
    last = [p for p in GUIDE_LAST if p in found]
    return first + [p for p in found if p not in first + last] + last


def _fill_index(app, docname, source):
    if docname == "user_guide":
        pages = "\n".join(f"   {p}" for p in _guide_pages())
        source[0] = source[0].replace("   .. user guide pages\n", pages + "\n")


# scikit-learn's metadata-routing methods: not part of skweight's API pages.
_SKIPPED_MEMBER = re.compile(r"^(set_\w+_request|get_metadata_routing)$")


def _skip_member(app, what, name, obj, skip, options):
    if what != "class":
        return None
    # An override without a docstring of its own (raw_weights, end_epoch,
    # Keras' call) is documented once, on the class that defines the hook.
    if _SKIPPED_MEMBER.match(name) or getattr(obj, "__doc__", "") is None:
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
    # Before Sphinx lists the sources and autosummary reads api.rst.
    app.connect("config-inited", _write_api)
    app.connect("source-read", _fill_index)
