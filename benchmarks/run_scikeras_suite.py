"""Run scikeras' own tests with skweight standing in for ``KerasClassifier``.

Usage::

    python benchmarks/run_scikeras_suite.py PATH [--modules test_api.py ...]

``PATH`` is a checkout of scikeras (its latest release tag, e.g. ``git clone
--branch v0.13.0 https://github.com/adriangb/scikeras``); nothing of it is
copied into this project. The script runs pytest twice in ``PATH``, each time
with a plugin it writes to a temporary folder:

1. unmodified, with the installed scikeras, to find the tests that pass with
   scikeras itself here;
2. with ``scikeras.wrappers.KerasClassifier`` replaced, before the test modules
   import it, by a subclass of :class:`skweight.WeightedMultiOutputClassifier`
   that keeps ``KerasClassifier``'s signature and defaults (``epochs=1``,
   ``optimizer="rmsprop"``, ``verbose=1``, ``build_fn``), running only the tests
   of step 1 that passed.

Tests with "regressor" in their name are not run, and a test counts only if
it creates a ``KerasClassifier`` (or a subclass of it): the regressor and
utility tests do not exercise skweight. The script prints
the passed/failed counts and every failure with the first line of its error,
and, for the failures this project declares deliberate differences (see
``docs/scikeras.md``), the reason.

Both runs import scikeras from the installed package; ``PATH`` gives the tests.
Both get one shim for the environment: scikeras 0.13.0's
``tests/test_compile_kwargs.py`` imports ``KerasVariable``, a name Keras 3.15
no longer has (it is ``keras.Variable``).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

# The modules of scikeras' suite that exercise KerasClassifier, cheapest first.
# test_scikit_learn_checks.py is left out by default: it runs scikit-learn's
# estimator checks, which skweight runs itself (tests/test_common.py).
DEFAULT_MODULES = [
    "test_deprecation.py",
    "test_errors.py",
    "test_callbacks.py",
    "test_param_routing.py",
    "test_compile_kwargs.py",
    "test_parameters.py",
    "test_input_outputs.py",
    "test_api.py",
    "test_serialization.py",
    "test_random_state.py",
]

# Failures that are deliberate differences of skweight (docs/scikeras.md): a
# regular expression searched in "<test id>\n<error>", and the reason.
DELIBERATE = [
    (r"must have at least 2 classes", (
        "a y column with one class is refused before training: nothing to "
        "learn and no class weight to compute"
    )),
    (r"TestInvalidBuildFn::test_no_build_fn", (
        "model=None without _keras_build_fn builds skweight's built-in network "
        "instead of raising"
    )),
    (r"TestInvalidBuildFn::test_invalid_build_fn", (
        "a model that is not a keras.Model raises TypeError in skweight's "
        "wording ('model must be None, a keras.Model or a callable ...')"
    )),
    (r"test_loss_invalid_string", (
        "an unknown loss name raises ValueError before training, in skweight's "
        "wording ('loss must be a Keras loss name ... Did you mean ...')"
    )),
    (r"test_incompatible_output_dimensions", (
        "a model with the wrong number of outputs raises ValueError before "
        "training, in skweight's wording ('model must return one output per y "
        "column ...')"
    )),
    (r"test_routing_(basic|kwargs)\[KerasClassifier", (
        "meta holds every scikeras key, plus skweight's own (output_names_, "
        "class_weight_, ...), which model functions use (docs/custom_models.md); "
        "the test asserts the exact set"
    )),
    (r"test_loss_routed_params_dict", (
        "skweight compiles one loss per output, in a list (outputs a dict "
        "leaves out get their default loss), so model_.loss is a list, not the "
        "dict given; the losses and their routed parameters are the ones given"
    )),
    (r"test_class_weight_balanced|test_kwargs\[KerasClassifier", (
        "on TensorFlow skweight trains in its own loop, or gives Model.fit a "
        "tf.data pipeline that holds the batches and the per-output weights; "
        "the test mocks Model.fit and looks for its sample_weight / batch_size "
        "keyword arguments"
    )),
    (r"test_(X|target)_dtype_changes_incremental_fit", (
        "partial_fit after fit takes X and y of another dtype: X is converted "
        "to float32 either way, and labels are compared by value (1 and 1.0 "
        "are one class); scikeras refuses an int -> float change"
    )),
    (r"test_target_classes_change_incremental_fit", (
        "a label outside the fitted classes is refused in skweight's wording "
        "(\"y column 'output_0' has label(s) [10] outside its classes [1, 3]\"), "
        "not OneHotEncoder's \"Found unknown categories\""
    )),
    (r"test_target_shape_changes_incremental_fit_clf", (
        "a y with another number of columns is refused in skweight's wording "
        "(the output names differ), not by scikeras' transformers "
        "(\"... features\")"
    )),
    (r"test_KerasClassifier_loss_invariance\[y2-multilabel-indicator\]", (
        "a multilabel y has one output per label; the test's model gives each "
        "one sigmoid unit, and categorical cross-entropy on one unit is a "
        "constant loss: refused before training (skweight's loss rule)"
    )),
    (r"TestPrebuiltModel::test_ensemble\[MLPClassifier\]", (
        "luck: AdaBoost (random_state=None) seeds its first network from "
        "NumPy's global generator, and one epoch of RMSprop at 1e-3 on unscaled "
        "iris leaves the network near its random start, so whether it beats "
        "50% depends on that seed (scikeras itself fails on AdaBoost "
        "random_state 0-5 here; with the same seed skweight and scikeras log "
        "the same losses, AdaBoost's weights 1/100 giving 1/100 of the "
        "unweighted loss; see docs/scikeras.md)"
    )),
    (r"must have \d+ units \(softmax over", (
        "a model whose output width does not fit the classes (here one linear "
        "unit for 3 classes) is refused before training, naming the width it "
        "needs"
    )),
]

PLUGIN = textwrap.dedent('''
    """Generated by skweight's benchmarks/run_scikeras_suite.py (mode: {mode})."""
    import json
    import os

    import keras
    import keras.src.backend.common.variables as _variables
    import pytest
    import scikeras.wrappers

    if not hasattr(_variables, "KerasVariable"):
        _variables.KerasVariable = keras.Variable

    MODE = {mode!r}
    RESULTS = {results!r}
    SELECT = {select!r}
    _created = [0]


    def _counting_new(cls, *args, **kwargs):
        _created[0] += 1
        return object.__new__(cls)


    if MODE == "skweight":
        from skweight import WeightedMultiOutputClassifier

        class KerasClassifier(WeightedMultiOutputClassifier):
            """skweight's classifier with KerasClassifier's signature and defaults."""

            def __init__(self, model=None, *, build_fn=None, warm_start=False,
                         random_state=None, optimizer="rmsprop", loss=None,
                         metrics=None, batch_size=None, validation_batch_size=None,
                         verbose=1, callbacks=None, validation_split=0.0,
                         shuffle=True, run_eagerly=False, epochs=1,
                         class_weight=None, **kwargs):
                super().__init__(
                    model=model, build_fn=build_fn, warm_start=warm_start,
                    random_state=random_state, optimizer=optimizer, loss=loss,
                    metrics=metrics, batch_size=batch_size,
                    validation_batch_size=validation_batch_size, verbose=verbose,
                    callbacks=callbacks, validation_split=validation_split,
                    shuffle=shuffle, run_eagerly=run_eagerly, epochs=epochs,
                    class_weight=class_weight, **kwargs,
                )

        KerasClassifier.__new__ = _counting_new
        scikeras.wrappers.KerasClassifier = KerasClassifier
    else:
        scikeras.wrappers.KerasClassifier.__new__ = _counting_new

    _outcomes = {{}}
    _before = {{}}


    def pytest_collection_modifyitems(config, items):
        if SELECT is None:
            return
        with open(SELECT) as f:
            keep = set(json.load(f))
        selected = [it for it in items if it.nodeid in keep]
        config.hook.pytest_deselected(
            items=[it for it in items if it.nodeid not in keep]
        )
        items[:] = selected


    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(item, nextitem):
        _before[item.nodeid] = _created[0]
        yield
        rec = _outcomes.setdefault(item.nodeid, {{"outcome": "passed", "error": ""}})
        rec["uses_classifier"] = _created[0] > _before[item.nodeid]
        # One line per test, so that a run stopped by its timeout still counts.
        with open(RESULTS, "a") as f:
            f.write(json.dumps([item.nodeid, rec]) + "\\n")


    def pytest_runtest_logreport(report):
        rec = _outcomes.setdefault(report.nodeid, {{"outcome": "passed", "error": ""}})
        if report.failed and rec["outcome"] == "passed":
            rec["outcome"] = "failed" if report.when == "call" else "error"
            crash = getattr(report.longrepr, "reprcrash", None)
            rec["error"] = (crash.message if crash else str(report.longrepr))[:400]
        elif report.skipped and rec["outcome"] == "passed":
            rec["outcome"] = "skipped"

''')


def run_pytest(path, modules, mode, workdir, select=None, timeout=900):
    """Run scikeras' tests in ``path``; return {nodeid: record} and seconds."""
    results = workdir / f"results_{mode}.json"
    plugin_dir = workdir / mode
    plugin_dir.mkdir()
    (plugin_dir / "skweight_suite_plugin.py").write_text(PLUGIN.format(
        mode=mode, results=str(results),
        select=None if select is None else str(select),
    ))
    env = dict(os.environ)
    root = Path(__file__).resolve().parent.parent
    env["PYTHONPATH"] = os.pathsep.join(
        [str(plugin_dir), str(root), env.get("PYTHONPATH", "")]
    )
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    cmd = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "-p", "skweight_suite_plugin", "-W", "ignore", "--tb=no", "-o",
        "addopts=", "-k", "not regressor and not Regressor",
        *[f"tests/{m}" for m in modules],
    ]
    start = time.perf_counter()
    try:
        subprocess.run(cmd, cwd=path, env=env, timeout=timeout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        print(f"  {mode} run stopped after {timeout} s; counting what ran")
    seconds = time.perf_counter() - start
    if not results.exists():
        raise SystemExit(f"pytest wrote no results in {mode} mode (see {path})")
    lines = results.read_text().splitlines()
    return dict(json.loads(line) for line in lines), seconds


def reason_for(nodeid, error):
    for pattern, reason in DELIBERATE:
        if re.search(pattern, f"{nodeid}\n{error}"):
            return reason
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="a checkout of scikeras")
    parser.add_argument("--modules", nargs="+", default=DEFAULT_MODULES,
                        help="test modules of PATH/tests to run")
    parser.add_argument("--timeout", type=int, default=900,
                        help="seconds allowed to each pytest run")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="JSON file caching the unmodified run's results "
                             "(read if it exists, written otherwise)")
    args = parser.parse_args(argv)
    path = args.path.resolve()
    if not (path / "tests").is_dir():
        raise SystemExit(f"PATH must be a scikeras checkout with tests/. Got {path}.")

    import scikeras

    print(f"scikeras tests from {path}; installed scikeras {scikeras.__version__}")
    print(f"modules: {' '.join(args.modules)}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.baseline is not None and args.baseline.exists():
            base = json.loads(args.baseline.read_text())
            print(f"scikeras run: read from {args.baseline}")
        else:
            base, seconds = run_pytest(path, args.modules, "scikeras", workdir,
                                       timeout=args.timeout)
            print(f"scikeras run: {seconds:.0f} s")
            if args.baseline is not None:
                args.baseline.write_text(json.dumps(base))
        chosen = sorted(
            nodeid for nodeid, rec in base.items()
            if rec["outcome"] == "passed" and rec.get("uses_classifier")
            and nodeid.split("::")[0].split("/")[-1] in args.modules
        )
        counts = {}
        for rec in base.values():
            counts[rec["outcome"]] = counts.get(rec["outcome"], 0) + 1
        print("scikeras itself: " + ", ".join(
            f"{n} {k}" for k, n in sorted(counts.items())
        ) + f"; {len(chosen)} passed tests create a KerasClassifier")
        select = workdir / "select.json"
        select.write_text(json.dumps(chosen))
        ours, seconds = run_pytest(path, args.modules, "skweight", workdir,
                                   select=select, timeout=args.timeout)
        print(f"skweight run: {seconds:.0f} s")

    failed = {n: r for n, r in ours.items() if r["outcome"] != "passed"}
    not_run = [n for n in chosen if n not in ours]
    passed = len(chosen) - len(failed) - len(not_run)
    deliberate = {
        n: reason_for(n, r["error"]) for n, r in failed.items()
        if reason_for(n, r["error"])
    }
    print(f"\nwith skweight: {passed} passed, {len(failed)} failed, "
          f"{len(not_run)} not run (of {len(chosen)})")
    print(f"  failures declared deliberate: {len(deliberate)}; "
          f"other failures: {len(failed) - len(deliberate)}")
    for nodeid in sorted(failed):
        rec = failed[nodeid]
        tag = "deliberate" if nodeid in deliberate else rec["outcome"].upper()
        print(f"- [{tag}] {nodeid}")
        print(f"    {rec['error'].splitlines()[0] if rec['error'] else ''}")
        if nodeid in deliberate:
            print(f"    reason: {deliberate[nodeid]}")
    for nodeid in not_run:
        print(f"- [NOT RUN] {nodeid}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
