"""Every public object has a page in the API reference and a valid docstring.

The docstring checks are those of ``[tool.numpydoc_validation]`` in
pyproject.toml (the docs build applies the same ones), plus an Examples
section on every public class and function. The full docs build (with the
gallery) runs in CI: ``python -m sphinx -W -b html docs docs/_build/html``.
"""

import importlib
import importlib.util
import inspect
import re
from pathlib import Path

import pytest

validate = pytest.importorskip("numpydoc.validate").validate

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _load_conf():
    spec = importlib.util.spec_from_file_location("skweight_docs_conf",
                                                  DOCS / "conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


CONF = _load_conf()
CHECKS = CONF.numpydoc_validation_checks
EXCLUDE = [re.compile(p) for p in CONF.numpydoc_validation_exclude]


def _public_objects():
    for module_name in CONF.PUBLIC_MODULES:
        names = CONF._public_names(module_name)
        if names is None:  # a module not (yet) in this version
            continue
        module = importlib.import_module(module_name)
        for name in names:
            yield f"{module_name}.{name}", getattr(module, name)


PUBLIC = dict(_public_objects())


def _methods():
    for qualname, obj in PUBLIC.items():
        if not inspect.isclass(obj):
            continue
        members = {}
        for cls in obj.__mro__:  # as autodoc's :inherited-members: walks it
            if cls.__name__ in CONF.INHERITED_STOP or cls.__module__ == "builtins":
                break
            for name, member in vars(cls).items():
                members.setdefault(name, member)
        for name, member in members.items():
            member = getattr(member, "__func__", member)
            # What the API page shows (docs/conf.py): public methods and
            # descriptors with their own docstring (framework hooks such as
            # Keras' get_config are Keras' to document), less those skipped.
            if (not name.startswith("_") and hasattr(type(member), "__get__")
                    and getattr(member, "__doc__", None)
                    and not CONF._SKIPPED_MEMBER.match(name)):
                yield f"{qualname}.{name}"


def _errors(qualname, checks):
    if any(p.search(qualname) for p in EXCLUDE):
        return []
    errors = validate(qualname)["errors"]
    if "all" in checks:
        return [e for e in errors if e[0] not in checks]
    return [e for e in errors if e[0] in checks]


@pytest.mark.parametrize("qualname", sorted(PUBLIC))
def test_public_docstring_is_valid(qualname):
    obj = PUBLIC[qualname]
    if not (inspect.isclass(obj) or inspect.isroutine(obj)):
        pytest.skip(f"{qualname} is data, documented by a comment")
    errors = _errors(qualname, CHECKS)
    errors += [e for e in validate(qualname)["errors"] if e[0] == "EX01"]
    assert not errors, f"{qualname}: {errors}"


@pytest.mark.parametrize("qualname", sorted(_methods()))
def test_public_method_docstring_is_valid(qualname):
    errors = _errors(qualname, CHECKS)
    assert not errors, f"{qualname}: {errors}"


def test_every_public_name_has_an_api_page():
    api = CONF.api_rst()
    listed = set(re.findall(r"^   (\w+)$", api, flags=re.MULTILINE))
    for qualname in PUBLIC:
        assert qualname.rsplit(".", 1)[1] in listed, qualname
    assert len(listed) == len({q.rsplit(".", 1)[1] for q in PUBLIC})


def test_user_guide_lists_every_markdown_page():
    pages = CONF._guide_pages()
    assert set(pages) == {p.stem for p in DOCS.glob("*.md")}
    assert pages[0] == "class_weights"
