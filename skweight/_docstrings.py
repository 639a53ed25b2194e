"""Docstring pieces that several classes share: one source per parameter or
section.

A docstring names a piece as ``{{name}}`` on a line of its own; :func:`fill_doc`
puts the piece there, indented as the placeholder is, when the class is
defined, so that ``help()`` and the API pages show the whole text (as
imbalanced-learn's ``Substitution`` decorator does). A piece may name other
pieces. A placeholder without a piece is an error at import.
"""

import re
import textwrap

__all__ = ["PIECES", "fill_doc"]

# ``{{name}}``, or ``{{name:value}}`` for a piece that holds ``<value>``.
_PLACEHOLDER = re.compile(
    r"^(?P<indent>[ ]*)\{\{(?P<name>\w+)(?::(?P<value>[^}]+))?\}\}$", re.MULTILINE)

PIECES = {}

PIECES['missing_labels'] = """\
missing_labels : {"raise", "mask"}, default="raise"
    What a missing label (NaN, None, ``pd.NA``) in ``y`` means. ``"raise"``
    refuses it. ``"mask"`` gives that sample zero weight for that output
    alone: the sample still trains the other outputs, class-weight
    strategies count only the labelled samples, and ``n_labelled_`` gives
    each output's labelled count. An output with no label left is refused.
"""

PIECES['optimizer'] = """\
optimizer : str, keras.optimizers.Optimizer or class, default="adam"
    As in scikeras; routed parameters as ``optimizer__learning_rate``.
"""

PIECES['training_parameters'] = """\
metrics : list, default=None
    Keras metrics, as in scikeras.
batch_size : int, default=None
    Samples per gradient step (Keras' 32 when None; -1 for all samples).
validation_batch_size : int, default=None
    Batch size of the validation data.
verbose : int, default=0
    Keras' progress display (0 silent, 1 progress bar, 2 one line per
    epoch).
callbacks : list of keras.callbacks.Callback, default=None
    As in scikeras.
validation_split : float, default=0.0
    Fraction of the training data (the last samples, as in Keras) held out
    to compute ``val_*`` logs.
shuffle : bool, default=True
    Shuffle the training samples every epoch.
run_eagerly : bool, default=False
    Run Keras eagerly (for debugging).
epochs : int, default=100
    Passes over the training data (>= 1).
warm_start : bool, default=False
    Keep training the fitted network (and its optimizer's state) on the
    next ``fit``. Data with other feature names or order, other outputs or
    output kinds, or other classes for an output is refused with a
    ``ValueError``; a changed ``optimizer__learning_rate`` takes effect,
    other optimizer changes are refused.
random_state : None, int, RandomState or Generator, default=None
    Seed of weight initialisation and shuffling; the same seed gives the
    same model.
"""

PIECES['early_stopping_parameters'] = """\
early_stopping : bool or "refit", default=False
    Hold out ``validation_fraction`` of the training rows (stratified on
    every output's classes), watch each output on its own score there
    after every epoch, predict each output from the network at its own
    best epoch, and stop when no output has improved by more than ``tol``
    for ``n_iter_no_change`` epochs (``epochs`` is then the most).
    ``model_`` holds the latest of the outputs' best states; the others
    are kept beside it (one copy of the weights per distinct best epoch,
    one forward pass each in ``predict``). ``"refit"``: the same, then
    train again on every row, for as many epochs as the latest best
    epoch, and predict each output from that training at its own best
    epoch count. The second training is the plain fit of the same
    ``random_state`` on every row (a new network and optimizer; a warm
    fit starts again from the state it started from); it costs the
    first training's epochs again, less the patience, and ``history_``
    holds its losses beside the first training's validation curves.
    ``partial_fit`` ignores it, as scikit-learn's ``MLPClassifier`` does.
    See ``docs/quality.md``.
validation_fraction : float in (0, 1), default=0.1
    The share of the training rows held out when ``early_stopping``.
n_iter_no_change : int, default=10
    Epochs without improvement of any output before training stops.
tol : float, default=1e-4
    The least improvement of an output's score that counts.
scoring : "loss", str, callable or dict, default="loss"
    Each output's validation score (higher is better): ``"loss"``, minus
    its weighted loss (cross-entropy with its class and sample weights;
    squared error of a regression output); a scikit-learn scorer name
    (``"balanced_accuracy"``, ``"f1_macro"``, ...) or callable
    ``scorer(estimator, X, y)``, applied to each classification output
    on its labelled held-out rows; or ``{output_name: one of those}``
    (outputs not named use ``"loss"``).
"""

PIECES['network_attributes'] = """\
model_ : keras.Model
    The trained network (a copy of a ``keras.Model`` passed as ``model``,
    which stays as it was). The estimator pickles whole, with the
    optimizer's state (pickle, joblib);
    ``model_.save("net.keras")`` saves the network alone in Keras' format
    (see ``docs/persistence.md``).
history_ : dict of list
    Keras' logs per epoch, including ``"<output layer name>_loss"`` for each
    output of a multi-output model. With the packed multilabel layout these
    per-label entries come from a metric that logs each label's
    ``mean_n(w_nk * bce_nk)``, the value a separate head would log.
best_epoch_ : ndarray of shape (n_outputs,)
    With ``early_stopping``: the epoch (counted as in ``history_``, from
    1) whose network predicts each output (with ``"refit"``, the epoch of
    the second training; a callback that stopped that training early
    leaves the last epoch it reached).
best_validation_score_ : ndarray of shape (n_outputs,)
    With ``early_stopping``: each output's score at its best epoch;
    ``history_["<output>_validation_score"]`` holds its curve.
"""

PIECES['output_attributes'] = """\
n_outputs_ : int
    Number of outputs.
output_names_ : list of str
    Output names: DataFrame column names when given, else ``"output_<k>"``.
output_layer_names_ : list of str
    The names of the built-in network's output layers (valid Keras names
    derived from ``output_names_``).
"""

PIECES['n_labelled_'] = """\
n_labelled_ : ndarray of shape (n_outputs,)
    The number of labelled samples of each output (all of them unless
    ``missing_labels="mask"`` met missing labels).
"""

PIECES['feature_attributes'] = """\
n_features_in_ : int
    Number of features seen during ``fit``.
feature_names_in_ : ndarray of str
    Feature names seen during ``fit``, when ``X`` has column names.
"""

PIECES['builtin_network_settings'] = """\
The built-in network's settings, given to the estimator as routed
parameters (``model__dropout=0.2``, or ``model__<name>`` in a
``GridSearchCV`` grid); any other ``model__*`` key is refused with the
list of these:

- ``model__hidden_layer_sizes`` : tuple of int, default=(64, 64); the
  units of the shared dense layers;
- ``model__activation`` : str, default="relu"; their activation;
- ``model__dropout`` : float in [0, 1), default=0.0; the dropout rate
  after each shared layer;
"""

PIECES['classifier_attributes'] = """\
classes_ : ndarray or list of ndarray
    The classes of each output (a list for two-dimensional ``y``).
n_classes_ : int or list of int
    The number of classes of each output.
{{output_attributes}}
class_weight_ : dict, or list of (dict or None), or None
    The per-class weights actually used.
"""

PIECES['predict_parameters'] = """\
X : array-like or sparse matrix of shape (n_samples, n_features)
    Or of the N-D shape a user model takes, as in ``fit``.
**kwargs
    Passed to ``keras.Model.predict`` (prefer ``predict__*``
    parameters); prediction then goes through ``Model.predict``, as
    with prediction callbacks.
"""

PIECES['classifier_fitted_attributes'] = """\
{{network_attributes}}
{{classifier_attributes}}
{{n_labelled_}}
{{feature_attributes}}
"""

PIECES['score_parameters'] = """\
X : array-like or sparse matrix of shape (n_samples, n_features)
    The samples.
y : array-like or DataFrame of shape (n_samples,) or (n_samples, n_outputs)
    The true labels, one column per output.
sample_weight : array-like of shape (n_samples,), default=None
    Weights of the samples.
"""

PIECES['classifier_training_parameters'] = """\
{{missing_labels}}
{{optimizer}}
loss : None, str, keras.losses.Loss, list or dict, default=None
    ``None`` picks each output's cross-entropy from its width.
{{training_parameters}}
{{early_stopping_parameters}}
"""

PIECES['subset_accuracy_score'] = """\
Parameters
----------
{{score_parameters}}

Returns
-------
float
    The (weighted) fraction of samples whose every labelled output is
    right.
"""

PIECES['keras_loss_parameters'] = """\
from_logits : bool, default=False
    Whether ``y_pred`` holds logits rather than probabilities.
reduction : str, default="sum_over_batch_size"
    Keras' reduction of the per-sample losses.
name : str, default="<value>"
    Name of the loss (the key Keras logs it under).
dtype : str or None, default=None
    Dtype of the loss computation (Keras' float type when None).
"""

PIECES['meta_samples'] = """\
Parameters
----------
X : array-like of shape (n_samples, n_features)
    The samples.

Returns
-------
"""

PIECES['meta_fit_data'] = """\
X : array-like of shape (n_samples, n_features)
    The training samples.
y : array-like or DataFrame of shape (n_samples,) or (n_samples, n_outputs)
    The labels, one column per output.
sample_weight : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
"""

PIECES['meta_predict_proba'] = """\
{{meta_samples}}
ndarray of shape (n_samples, n_classes) or list of ndarray
    The probabilities; a list with one such array per output for
    multi-output ``y``.
"""

PIECES['rule_step_sections'] = """\
Parameters
----------
multipliers : tensor of shape (n_outputs,)
    The current multipliers.
base : tensor of shape (n_outputs,)
    The fixed ``loss_weights``.
losses : tensor of shape (n_outputs,)
    The unweighted losses of this step.
initial_losses : tensor of shape (n_outputs,)
    The unweighted losses of the first step.
grad_norms : tensor of shape (n_outputs,)
    The gradient norms ``g_k`` at the last shared layer.
ops : module
    ``keras.ops`` (or a module with the same functions).

Returns
-------
tensor of shape (n_outputs,)
    The updated multipliers.
"""

PIECES['meta_fitted_attributes'] = """\
n_outputs_ : int
output_names_ : list of str
n_features_in_ : int
feature_names_in_ : ndarray of str
    When ``X`` has column names.
"""

PIECES['loader_returns'] = """\
return_X_y : bool, default=False
    If True, return ``(data, target)`` instead of a Bunch.

Returns
-------
data : sklearn.utils.Bunch
    Dictionary-like object with the attributes
"""

PIECES['loader_names'] = """\
feature_names : list of str
    The names of the feature columns.
target_names : list of str
    The names of the target columns.
DESCR : str
    Description of the data set, its class counts and licence.
"""

PIECES['loader_tuple_and_raises'] = """\
(data, target) : tuple if ``return_X_y`` is True
    The two objects described above.

Raises
------
TypeError
    If ``as_frame`` or ``return_X_y`` is not a bool.
"""

PIECES['log_vars_parameters'] = """\
Parameters
----------
log_vars : tensor of shape (n_outputs,)
    The learned log-variances ``s``.
ops : module
    ``keras.ops`` (or a module with the same functions).
"""

PIECES['display_options_and_returns'] = """\
normalize : {"true", "pred", "all"}, default=None
    As in :func:`sklearn.metrics.confusion_matrix`.
**plot_kwargs
    Passed to :meth:`plot`.

Returns
-------
PerOutputConfusionMatrixDisplay
    The display, plotted.
"""


def fill_doc(obj):
    """Fill the ``{{name}}`` placeholders of ``obj``'s docstring (a class, its
    methods, or a function); return ``obj``."""
    targets = [obj]
    if isinstance(obj, type):
        for member in vars(obj).values():
            # scikit-learn's available_if wraps a method in a descriptor that
            # keeps it as ``fn`` and copies its docstring.
            # (and a static or class method keeps its function as __func__).
            targets += [member, getattr(member, "fn", None),
                        getattr(member, "__func__", None)]
    for target in targets:
        doc = getattr(target, "__doc__", None)
        if target is not None and isinstance(doc, str) and "{{" in doc:
            target.__doc__ = _PLACEHOLDER.sub(_piece, doc)
    return obj


def _piece(match):
    name = match.group("name")
    if name not in PIECES:
        raise KeyError(f"no docstring piece named {name!r}")
    text = textwrap.indent(PIECES[name].strip("\n"), match.group("indent"))
    if match.group("value") is not None:
        text = text.replace("<value>", match.group("value"))
    return _PLACEHOLDER.sub(_piece, text)  # a piece may name pieces
