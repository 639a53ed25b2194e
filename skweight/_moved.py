"""Old import paths of modules that moved into ``skweight._engine`` and
``skweight._targets``.

A pickle records the module of every class it holds: an estimator pickled
before the move names ``skweight._outputs.OutputSet``, ``skweight._weights``'
strategies, ``skweight._early_stopping.Snapshots``. Each old path stays
importable as a small module whose attributes are those of the new one (the
same objects, so ``isinstance`` holds); a new pickle records the new path.
``tests/test_old_pickles.py`` loads pickles written before the move.
"""

import importlib
import importlib.abc
import importlib.util
import sys
import types

__all__ = ["MOVED", "install"]

_ENGINE = ("_backend", "_base", "_build", "_callbacks", "_early_stopping",
           "_model_state", "_network", "_parameters", "_predict", "_trainer")
_TARGETS = {"_multilabel": "_multilabel", "_outputs": "_outputs",
            "_views": "_views", "_weights": "_weights"}

# Old module path -> new module path.
MOVED = {
    **{f"skweight.{name}": f"skweight._engine.{name}" for name in _ENGINE},
    **{f"skweight.{old}": f"skweight._targets.{new}"
       for old, new in _TARGETS.items()},
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old path and makes it a module that forwards to the new one."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        new = MOVED[spec.name]
        module = types.ModuleType(spec.name, f"Moved to {new}.")

        def __getattr__(name):
            return getattr(importlib.import_module(new), name)

        module.__getattr__ = __getattr__
        return module

    def exec_module(self, module):
        pass


def install():
    """Put the finder on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _MovedModules) for f in sys.meta_path):
        sys.meta_path.insert(0, _MovedModules())
