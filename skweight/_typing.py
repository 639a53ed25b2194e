"""Type aliases of skweight's public signatures.

pandas, SciPy and Keras ship no type information the checks use, so their
names below read as documentation to a type checker (they are ``Any`` to it).
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Union

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    import keras
    import pandas as pd
    from scipy import sparse

__all__ = [
    "CVLike",
    "Features",
    "KerasLoss",
    "KerasModel",
    "LossWeights",
    "RandomStateLike",
    "SampleWeight",
    "Scoring",
    "Targets",
]

# ``X``: an array-like, a sparse matrix or a DataFrame.
Features = Union[ArrayLike, "sparse.spmatrix", "sparse.sparray", "pd.DataFrame"]
# ``y``: one column or one column per output.
Targets = Union[ArrayLike, "pd.Series", "pd.DataFrame"]
# Sample weights are numbers (ArrayLike would also admit strings); 1-D, or
# 2-D with one column per output.
SampleWeight = Union[Sequence[float], Sequence[Sequence[float]], np.ndarray,
                     "pd.Series", "pd.DataFrame", None]
# ``model``: a Keras model, a function that builds one, or None (built-in).
KerasModel = Union[None, "keras.Model", Callable[..., "keras.Model"]]
# ``loss``: a name, a Keras loss, or one per output (list or dict by name).
KerasLoss = Union[None, str, "keras.losses.Loss", Callable[..., Any],
                  Sequence[Any], Mapping[str, Any]]
LossWeights = Sequence[float] | Mapping[str, float] | None
RandomStateLike = int | np.random.RandomState | np.random.Generator | None
# ``cv``: a number of folds, a splitter or an iterable of (train, test) indices.
# (A splitter is any object with ``split``: Any.)
CVLike = int | Iterable[tuple[ArrayLike, ArrayLike]] | Any | None
# ``scoring``: a scorer name, a scorer callable, or several of them.
Scoring = str | Callable[..., Any] | Sequence[Any] | Mapping[str, Any] | None
