"""The estimators' parameters and constructor, written once.

scikit-learn reads an estimator's parameters from the signature of its
``__init__`` (``get_params``, ``clone``, the repr, ``check_estimator``), so
each estimator must name every parameter there, with its default. The three
estimators share all of them but one of their own (``output_types``,
``weighting``): :func:`estimator_init` makes each one's ``__init__`` from
:data:`PARAMETERS` and its own, with a true signature
(``inspect.signature`` reads ``__signature__``). The constructor only stores
the parameters (scikeras' ``BaseWrapper`` stores its own and the routed
``model__*``, ``fit__*``, ... keyword arguments), as scikit-learn asks.
"""

import inspect
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from skweight._scikeras_compat import SkweightWrapper
from skweight._targets._weights import ClassWeight
from skweight._typing import (
    KerasLoss,
    KerasModel,
    LossWeights,
    RandomStateLike,
)

__all__ = ["PARAMETERS", "estimator_init", "keyword_parameter"]

_P = inspect.Parameter


def keyword_parameter(name, default, annotation=Any):
    """A keyword-only parameter, for :data:`PARAMETERS` and an estimator's
    own in :func:`estimator_init`."""
    return _P(name, _P.KEYWORD_ONLY, default=default, annotation=annotation)


# The shared parameters, in signature order (documented once in
# skweight._docstrings and in WeightedMultiOutputClassifier's docstring).
PARAMETERS = (
    _P("model", _P.POSITIONAL_OR_KEYWORD, default=None, annotation=KerasModel),
    keyword_parameter("class_weight", None, ClassWeight),
    keyword_parameter("loss_weights", None, LossWeights),
    keyword_parameter("missing_labels", "raise", str),
    keyword_parameter("optimizer", "adam", Any),
    keyword_parameter("loss", None, KerasLoss),
    keyword_parameter("metrics", None, Sequence[Any] | Mapping[str, Any] | None),
    keyword_parameter("batch_size", None, int | None),
    keyword_parameter("validation_batch_size", None, int | None),
    keyword_parameter("verbose", 0, int),
    keyword_parameter("callbacks", None, Sequence[Any] | None),
    keyword_parameter("validation_split", 0.0, float),
    keyword_parameter("shuffle", True, bool),
    keyword_parameter("run_eagerly", False, bool),
    keyword_parameter("epochs", 100, int),
    keyword_parameter("warm_start", False, bool),
    keyword_parameter("random_state", None, RandomStateLike),
    keyword_parameter("early_stopping", False, bool | Literal["refit"]),
    keyword_parameter("validation_fraction", 0.1, float),
    keyword_parameter("n_iter_no_change", 10, int),
    keyword_parameter("tol", 1e-4, float),
    keyword_parameter("scoring", "loss", Any),
)


def estimator_init(*own):
    """An ``__init__`` taking ``model``, the estimator's ``own`` parameters
    (``inspect.Parameter``, keyword-only), the shared ones and the routed
    ``**kwargs``; it stores each as an attribute of the same name."""
    parameters = [PARAMETERS[0], *own, *PARAMETERS[1:]]
    signature = inspect.Signature(
        [_P("self", _P.POSITIONAL_OR_KEYWORD), *parameters,
         _P("kwargs", _P.VAR_KEYWORD, annotation=Any)],
        return_annotation=None,
    )
    wrapper = set(inspect.signature(SkweightWrapper.__init__).parameters)

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        del values["self"]
        routed = values.pop("kwargs")
        SkweightWrapper.__init__(
            self, **{k: v for k, v in values.items() if k in wrapper}, **routed)
        for name, value in values.items():
            if name not in wrapper:
                setattr(self, name, value)

    __init__.__signature__ = signature
    return __init__

