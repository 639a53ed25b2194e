"""Cross-validate each output of a multi-output classifier on its own.
===================================================================

``score`` of a multi-output classifier is subset accuracy (all outputs right);
``skweight.metrics.per_output_scorers`` gives one scorer per output, by name,
for ``cross_validate``.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from sklearn.model_selection import KFold, cross_validate  # noqa: E402

from skweight import WeightedMultiOutputClassifier  # noqa: E402
from skweight.datasets import load_penguins  # noqa: E402
from skweight.metrics import output_scorer, per_output_scorers  # noqa: E402

X, Y = load_penguins(return_X_y=True)
scoring = {
    **per_output_scorers("balanced_accuracy", list(Y.columns)),
    "roc_auc_sex": output_scorer("roc_auc", "sex"),
}
for class_weight in (None, "balanced"):
    res = cross_validate(
        WeightedMultiOutputClassifier(
            class_weight=class_weight, epochs=15, random_state=0
        ),
        X, Y, cv=KFold(4, shuffle=True, random_state=0), scoring=scoring,
    )
    print(f"class_weight={class_weight!r}")
    for name in scoring:
        s = res[f"test_{name}"]
        print(f"  {name:<28} {s.mean():.3f} +/- {s.std():.3f}")
