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
