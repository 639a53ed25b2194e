"""Per-output early stopping: each output watched on its own validation score
and predicted from the network at its own best epoch (``early_stopping=True``).

A shared trunk serves outputs that learn at different speeds: a rare class
is over-fitted long before a common one has converged, so one epoch count
(or Keras' ``EarlyStopping``, which watches one number and restores one set
of weights) is the wrong knob for all of them. Here:

* a stratified share of the training rows (``validation_fraction``;
  iterative stratification over every classification output's classes, the
  ``iterative-stratification`` package) is held out;
* after every epoch, each output's score on those rows is computed from one
  forward pass (:class:`BestEpochs`): its weighted loss by default, a
  scikit-learn scorer on request;
* when an output improves by more than ``tol``, the network's weights are
  kept (one snapshot per epoch, shared by the outputs that improved then,
  dropped once no output uses it);
* training stops when no output has improved for ``n_iter_no_change``
  epochs.

After training, the network (``model_``) holds the weights of the latest of
the outputs' best epochs (with one output, or when all outputs peak together,
the one best state, as Keras' ``restore_best_weights`` and scikit-learn's
``MLPClassifier`` leave it); every other output's best state is kept as
weights beside it (:class:`Snapshots`) and predicts through a copy of the
network. Memory: one copy of the network's weights per distinct best epoch
(at most ``n_outputs``); predict time: one forward pass per distinct best
epoch.
"""

from collections.abc import Mapping

import keras
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import get_scorer

from skweight._engine import _backend, _trainer
from skweight._validation import LOSS_SCORING as LOSS
from skweight._validation import did_you_mean

__all__ = ["AtEpochs", "BestEpochs", "Snapshots", "best_state", "check_clonable",
           "take_rows", "validation_rows"]


def _per_output_scoring(scoring, outputs):
    """One scoring entry per output (a dict's unnamed outputs watch their loss;
    a scorer given for all outputs applies to the classification ones)."""
    names = outputs.names
    if isinstance(scoring, Mapping):
        unknown = sorted(set(scoring) - set(names), key=str)
        if unknown:
            raise ValueError(
                f"scoring names output(s) {unknown} that y does not have. The "
                f"outputs are {list(names)}." + did_you_mean(unknown[0], names)
            )
        return [scoring.get(name, LOSS) for name in names]
    return [scoring if o.classes is not None else LOSS for o in outputs.outputs]


# ------------------------------------------------------------------- split
def validation_rows(codes, weights, outputs, fraction, seed):
    """``(train, validation)`` row indices: ``fraction`` of the rows held
    out, stratified on the classes of every classification output (a row's
    unlabelled outputs, weight 0, do not place it)."""
    from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit
    from sklearn.model_selection import ShuffleSplit

    n = len(codes[0])
    n_val = int(np.ceil(fraction * n))
    if n_val < 1 or n - n_val < 1:
        raise ValueError(
            f"validation_fraction={fraction!r} of {n} samples leaves "
            f"{n_val} validation and {n - n_val} training samples; early_stopping "
            "needs at least one of each. Give more samples or another "
            "validation_fraction."
        )
    blocks = []
    for k, output in enumerate(outputs.outputs):
        if output.classes is None:
            continue
        block = np.zeros((n, output.n_classes), dtype=np.int8)
        block[np.arange(n), np.asarray(codes[k], dtype=np.int64)] = 1
        if weights is not None:
            block[np.asarray(weights[k]) <= 0] = 0
        blocks.append(block)
    splitter = (MultilabelStratifiedShuffleSplit if blocks else ShuffleSplit)(
        n_splits=1, test_size=n_val, random_state=seed)
    labels = np.hstack(blocks) if blocks else np.zeros((n, 1))
    train, val = next(splitter.split(np.zeros((n, 1)), labels))
    return np.sort(train), np.sort(val)


def take_rows(struct, rows):
    """Rows ``rows`` of an array, or of each array of a list, tuple or dict
    (None stays)."""
    if struct is None:
        return None
    if isinstance(struct, Mapping):
        return {k: np.asarray(a)[rows] for k, a in struct.items()}
    if isinstance(struct, (list, tuple)):
        return type(struct)(np.asarray(a)[rows] for a in struct)
    return np.asarray(struct)[rows]


# ---------------------------------------------------------------- scoring
class _FixedClassifier(ClassifierMixin, BaseEstimator):
    """One classification output's validation predictions, as a classifier
    for scikit-learn's scorers (its ``X`` is always the validation rows)."""

    def __init__(self, classes, proba):
        self.classes_ = classes
        self.proba = proba

    def __sklearn_is_fitted__(self):
        return True

    def predict(self, X):
        return self.classes_[np.argmax(self.proba, axis=1)]

    def predict_proba(self, X):
        return self.proba


class _FixedRegressor(RegressorMixin, BaseEstimator):
    """One regression output's validation predictions, as a regressor."""

    def __init__(self, prediction):
        self.prediction = prediction

    def __sklearn_is_fitted__(self):
        return True

    def predict(self, X):
        return self.prediction


def _weighted_loss(output, raw, codes, weights):
    """The output's weighted validation loss: cross-entropy of its class
    probabilities (squared error of its standardised value for a regression
    output), weighted by its class and sample weights."""
    if output.classes is None:
        per_row = (np.asarray(raw, dtype=np.float64).reshape(-1) - codes) ** 2
    else:
        proba = output.proba(raw)
        picked = proba[np.arange(len(codes)), np.asarray(codes, dtype=np.int64)]
        per_row = -np.log(np.clip(picked, 1e-7, 1.0))
    if weights is None:
        return float(per_row.mean())
    total = float(np.sum(weights))
    return float(np.sum(per_row * weights) / total) if total > 0 else 0.0


class _OutputScore:
    """The validation score (higher is better) of one output."""

    def __init__(self, output, scoring, codes, weights, x_val):
        self.output = output
        self.codes = np.asarray(codes)
        self.weights = None if weights is None else np.asarray(weights, np.float64)
        self.scorer = None if scoring == LOSS else (
            get_scorer(scoring) if isinstance(scoring, str) else scoring)
        if self.scorer is not None:
            # A scorer sees the labelled validation rows, unweighted: their
            # features and true values are the same every epoch.
            self.rows = (slice(None) if self.weights is None
                         else np.flatnonzero(self.weights > 0))
            self.x = (x_val if isinstance(self.rows, slice)
                      else take_rows(x_val, self.rows))
            self.truth = (
                output.decode(self.codes.reshape(-1, 1))[self.rows]
                if output.classes is None
                else output.classes[self.codes[self.rows].astype(np.int64)])

    def __call__(self, raw):
        if self.scorer is None:
            return -_weighted_loss(self.output, raw, self.codes, self.weights)
        output, rows = self.output, self.rows
        view = (_FixedRegressor(output.decode(raw)[rows])
                if output.classes is None
                else _FixedClassifier(output.classes, output.proba(raw)[rows]))
        return float(self.scorer(view, self.x, self.truth))


# --------------------------------------------------------------- callback
class BestEpochs(keras.callbacks.Callback):
    """Watch every output on the validation rows; keep each output's best
    state; stop when none has improved for ``patience`` epochs.

    Parameters
    ----------
    network : keras.Model
        The network being trained (kept current between epochs by the
        trainer, which copies only its weights: :meth:`graph_loop_syncs`).
    outputs : OutputSet
        The estimator's outputs (their decoding and probabilities).
    x_val : array or structure
        The validation rows of the network's input.
    codes, weights : list of arrays
        Per output, the validation rows' class codes (standardised values
        for a regression output) and weights (None: unweighted).
    scoring : str, callable or dict
        As the estimator's ``scoring``.
    tol : float
        The improvement an epoch must bring.
    patience : int
        ``n_iter_no_change``.
    """

    def __init__(self, network, outputs, x_val, codes, weights, scoring, tol,
                 patience, input_shape=None):
        super().__init__()
        self.network = network
        self.outputs = outputs
        self.x_val = x_val
        entries = _per_output_scoring(scoring, outputs)
        self.scores = [
            _OutputScore(o, entry, c, w, x_val)
            for o, entry, c, w in zip(
                outputs.outputs, entries, codes,
                weights if weights is not None else [None] * len(codes),
                strict=True)
        ]
        self.forward = (None if input_shape is None
                        else _backend.make_forward(network, input_shape))
        self.tol = float(tol)
        self.patience = int(patience)
        n = len(outputs)
        self.best_score = np.full(n, -np.inf)
        self.best_epoch = np.zeros(n, dtype=np.int64)
        self.curves = [[] for _ in range(n)]
        self.snapshots = {}
        self.wait = 0

    # Keras-fit twins (JAX, PyTorch) copy their state into the network after
    # every epoch for this callback (skweight._engine._trainer.keras_fit).
    reads_network = True

    def graph_loop_syncs(self):
        """The variables read between epochs: the network's weights."""
        return list(self.network.weights)

    def _raw(self):
        if self.forward is not None:
            raw = self.forward(self.x_val)
        else:  # a network of several inputs: Keras feeds it
            raw = _backend.as_list(self.network.predict(self.x_val, verbose=0))
        return self.outputs.split(raw)

    def on_epoch_end(self, epoch, logs=None):
        scores = [score(raw) for score, raw in zip(self.scores, self._raw(),
                                                   strict=True)]
        improved = [k for k, s in enumerate(scores)
                    if np.isfinite(s) and s > self.best_score[k] + self.tol]
        for k, s in enumerate(scores):
            self.curves[k].append(s)
        if improved:
            self.snapshots[epoch + 1] = [np.array(w)
                                         for w in self.network.get_weights()]
            for k in improved:
                self.best_score[k] = scores[k]
                self.best_epoch[k] = epoch + 1
            in_use = set(self.best_epoch.tolist())
            self.snapshots = {e: w for e, w in self.snapshots.items() if e in in_use}
            self.wait = 0
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.model.stop_training = True

    def result(self, names):
        """Restore the network to the latest best epoch; the fitted state:
        ``best_epoch_``, ``best_validation_score_``, the other outputs'
        snapshots, and the per-output curves for ``history_``."""
        if not self.snapshots:  # no epoch ran, or every score was NaN
            return {}, {}
        state = best_state(self.network, self.snapshots, self.best_epoch,
                           self.best_score)
        curves = {f"{name}_validation_score": list(c)
                  for name, c in zip(names, self.curves, strict=True)}
        return state, curves


def best_state(network, snapshots, best_epoch, best_score):
    """Set ``network`` to the latest of the outputs' best epochs; the fitted
    state (``best_epoch_``, ``best_validation_score_``, the other outputs'
    :class:`Snapshots`). ``snapshots`` maps each best epoch to weights."""
    latest = int(best_epoch.max())
    network.set_weights(snapshots[latest])
    others = sorted(e for e in set(best_epoch.tolist()) if e != latest)
    return {
        "best_epoch_": best_epoch.copy(),
        "best_validation_score_": best_score.copy(),
        "_snapshots": Snapshots(
            [snapshots[e] for e in others],
            [-1 if e == latest else others.index(e) for e in best_epoch.tolist()]),
    }


class AtEpochs(keras.callbacks.Callback):
    """Keep the network's weights at the end of the given epochs (counted
    from 1, as ``history_``): the retraining of ``early_stopping="refit"``,
    on every row, keeps each output's state at its best epoch count."""

    reads_network = True

    def __init__(self, network, epochs):
        super().__init__()
        self.network = network
        self.wanted = {int(e) for e in epochs}
        self.kept = {}
        self.last = None

    def graph_loop_syncs(self):
        """The variables read between epochs: the network's weights."""
        return list(self.network.weights)

    def on_epoch_end(self, epoch, logs=None):
        self.last = epoch + 1
        if self.last in self.wanted:
            self.kept[self.last] = [np.array(w) for w in self.network.get_weights()]

    def result(self, best_epoch, best_score):
        """:func:`best_state` of the retrained network. An epoch the training
        did not reach (a callback of the user's stopped it) becomes the last
        one it did reach, and ``best_epoch_`` says so."""
        if self.last is None:
            return {}
        reached = np.minimum(best_epoch, self.last)
        if self.last not in self.kept:
            self.kept[self.last] = [np.array(w) for w in self.network.get_weights()]
        return best_state(self.network, self.kept, reached, best_score)


def check_clonable(model):
    """Refuse, before training, a network of several outputs that Keras
    cannot copy: its outputs' best states predict through copies."""
    # A functional or Sequential network always clones (from its graph of
    # layers); only other models are tried, at the cost of a clone.
    if type(model) in (keras.Sequential, _trainer._functional_class()):
        return
    try:
        keras.models.clone_model(model)
    except (TypeError, ValueError, NotImplementedError, AttributeError) as exc:
        raise ValueError(
            "early_stopping=True predicts each output from a copy of the network "
            "at that output's best epoch, and Keras cannot copy this network "
            f"({type(model).__name__}: {exc}). Use a functional or Sequential "
            "model, give it get_config, or use early_stopping=False."
        ) from None


class Snapshots:
    """The best-epoch weights of the outputs that ``model_`` does not hold.

    ``weights[j]`` is one state of the network; ``source[k]`` is the state
    output ``k`` predicts from (-1: ``model_``). Pickled as arrays; the
    networks that predict from them are built on first use.
    """

    def __init__(self, weights, source):
        self.weights = weights
        self.source = list(source)
        self._networks = None

    def __getstate__(self):
        return {"weights": self.weights, "source": self.source}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._networks = None

    def __bool__(self):
        return bool(self.weights)

    def networks(self, model, input_shape):
        """``(network, forward)`` for each kept state (a clone of ``model``
        holding it; ``forward`` None for a network of several inputs)."""
        if self._networks is None:
            made = []
            for weights in self.weights:
                network = keras.models.clone_model(model)
                network.set_weights(weights)
                forward = (None if input_shape is None
                           else _backend.make_forward(network, input_shape))
                made.append((network, forward))
            self._networks = made
        return self._networks

    def combine(self, raw, predict):
        """Per output, its prediction from its own best state: ``raw`` is
        ``model_``'s (split per output), ``predict(j)`` that of state ``j``."""
        if not self.weights:
            return raw
        made = {}
        out = list(raw)
        for k, j in enumerate(self.source):
            if j >= 0:
                if j not in made:
                    made[j] = predict(j)
                out[k] = made[j][k]
        return out
