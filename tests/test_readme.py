"""The README's quick start runs as a script and prints what it computes."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def section_code(title):
    """The first Python block of the README section ``## title``."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split(f"## {title}\n", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def quick_start():
    return section_code("Quick start")


def test_quick_start_runs_as_a_script_and_prints(tmp_path):
    # Fewer epochs than the README: the test checks that it runs and prints,
    # not how well it learns.
    code = quick_start()
    assert "epochs=50" in code
    script = tmp_path / "quick_start.py"
    script.write_text(code.replace("epochs=50", "epochs=2"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    run = subprocess.run([sys.executable, str(script)], capture_output=True,
                         text=True, cwd=tmp_path, env=env, timeout=900)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    # Labels of the three outputs for the first row, then island's weights.
    assert re.match(r"\[\['(Adelie|Chinstrap|Gentoo)' '(Biscoe|Dream|Torgersen)' "
                    r"'(female|male)'\]", lines[0])
    assert re.match(r"\{'Biscoe': [\d.]+, 'Dream': [\d.]+, 'Torgersen': [\d.]+\}$",
                    lines[3])
    assert lines[-1].startswith("island balanced accuracy: ")


def test_categorical_features_recipe_runs_and_is_needed(capsys):
    code = section_code("Categorical features")
    assert "epochs=50" in code
    namespace = {"__name__": "__main__"}
    exec(compile(code.replace("epochs=50", "epochs=2"), "README", "exec"), namespace)
    lines = capsys.readouterr().out.splitlines()
    assert re.match(r"\[\['(Adelie|Chinstrap|Gentoo)' '(female|male)'\]", lines[0])
    # Without the encoder, the error the README promises.
    with pytest.raises(ValueError, match=r"non-numeric column\(s\) \['island'\]"):
        namespace["model"][-1].fit(namespace["X"], namespace["Y"])


def test_class_weight_check_needs_a_network_that_learnt():
    # The README: with random_state=0, check_class_weight_classifiers fails
    # at 1 epoch and passes at 3.
    from sklearn.utils.estimator_checks import check_class_weight_classifiers

    from skweight import WeightedMultiOutputClassifier

    name = "WeightedMultiOutputClassifier"
    with pytest.raises(AssertionError):
        check_class_weight_classifiers(
            name, WeightedMultiOutputClassifier(epochs=1, random_state=0))
    check_class_weight_classifiers(
        name, WeightedMultiOutputClassifier(epochs=3, random_state=0))
    readme = (ROOT / "README.md").read_text()
    assert "passes at 3, 5 and 10 epochs and\n  fails at 1" in readme


def test_check_estimator_line_is_what_test_common_runs():
    from test_common import ESTIMATORS

    readme = (ROOT / "README.md").read_text()
    block = readme.split("from sklearn.utils.estimator_checks import", 1)[1]
    assert "est = WeightedMultiOutputClassifier(epochs=10, random_state=0)\n" in block
    assert (
        "check_estimator(est, expected_failed_checks=expected_failed_checks(est))"
        in block
    )
    assert {type(est).__name__ for est in ESTIMATORS} == {
        "WeightedMultiOutputClassifier", "DynamicWeightClassifier",
        "WeightedMixedOutputEstimator",
    }
    assert all(est.epochs == 10 and est.random_state == 0 for est in ESTIMATORS[:2])


def _pyproject():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _package(requirement):
    return re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()


BACKENDS = {"tensorflow": {"tensorflow", "tensorflow-cpu"}, "jax": {"jax"},
            "torch": {"torch"}}


def test_the_backend_is_an_extra_and_the_commands_install_one():
    project = _pyproject()
    extras = project["optional-dependencies"]
    every_backend = set().union(*BACKENDS.values())
    # No backend is forced on the user ...
    assert not {_package(r) for r in project["dependencies"]} & every_backend
    # ... each is an extra of its own name, and the suite's and the docs'
    # extras bring the default one.
    for extra, packages in BACKENDS.items():
        assert {_package(r) for r in extras[extra]} <= packages
    for extra in ("test", "docs"):
        assert {_package(r) for r in extras[extra]} & BACKENDS["tensorflow"]
    # Every install command of the README and the docs names extras that
    # exist, and the demo's brings a backend.
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
             ROOT / "docs" / "index.rst"]
    demos = 0
    for page in pages:
        for line in page.read_text().splitlines():
            for named in re.findall(r'pip install "?\.\[([\w,]+)\]', line):
                assert set(named.split(",")) <= set(extras), (page.name, line)
            if "python -m skweight" in line and "pip install" in line:
                demos += 1
                named = re.search(r'pip install "\.\[([\w,]+)\]"', line)
                assert named and set(named.group(1).split(",")) & set(BACKENDS), (
                    page.name, line)
    assert demos == 2  # README and docs/index.rst
