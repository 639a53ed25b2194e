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
from typing import Any

from skweight._scikeras_compat import SkweightWrapper
from skweight._targets._weights import ClassWeight
from skweight._typing import (
    KerasLoss,
    KerasModel,
    LossWeights,
    RandomStateLike,
)

__all__ = ["PARAMETERS", "estimator_init"]

_P = inspect.Parameter


def _keyword(name, default, annotation):
    return _P(name, _P.KEYWORD_ONLY, default=default, annotation=annotation)


# The shared parameters, in signature order (documented once in
# skweight._docstrings and in WeightedMultiOutputClassifier's docstring).
PARAMETERS = (
    _P("model", _P.POSITIONAL_OR_KEYWORD, default=None, annotation=KerasModel),
    _keyword("class_weight", None, ClassWeight),
    _keyword("loss_weights", None, LossWeights),
    _keyword("missing_labels", "raise", str),
    _keyword("optimizer", "adam", Any),
    _keyword("loss", None, KerasLoss),
    _keyword("metrics", None, Sequence[Any] | Mapping[str, Any] | None),
    _keyword("batch_size", None, int | None),
    _keyword("validation_batch_size", None, int | None),
    _keyword("verbose", 0, int),
    _keyword("callbacks", None, Sequence[Any] | None),
    _keyword("validation_split", 0.0, float),
    _keyword("shuffle", True, bool),
    _keyword("run_eagerly", False, bool),
    _keyword("epochs", 100, int),
    _keyword("warm_start", False, bool),
    _keyword("random_state", None, RandomStateLike),
    _keyword("early_stopping", False, bool),
    _keyword("validation_fraction", 0.1, float),
    _keyword("n_iter_no_change", 10, int),
    _keyword("tol", 1e-4, float),
    _keyword("scoring", "loss", Any),
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


def own_parameter(name, default, annotation=Any):
    """One estimator's own keyword-only parameter, for :func:`estimator_init`."""
    return _keyword(name, default, annotation)
