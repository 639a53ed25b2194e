"""Bad input is refused before any training, with a message that says why.

Every row of ``FIT_CASES`` is a fit that must raise ``ValueError`` or
``TypeError`` (scikit-learn's convention) whose message names the parameter,
what was expected and what was got. A Keras callback records whether training
began: no row may reach it.
"""

import keras
import numpy as np
import pandas as pd
import pytest
from factories import ALL_ESTIMATORS
from sklearn.exceptions import NotFittedError

from skweight import (
    EffectiveNumber,
    InverseFrequency,
    compute_output_sample_weight,
)
from skweight.metrics import output_scorer, per_output_scorers

# Estimator factories ``f(**params) -> estimator``: every estimator of the
# package goes here (one line each) and meets the whole table.
ESTIMATORS = ALL_ESTIMATORS

# Eager Keras: on a few dozen samples, tracing the train step costs more
# than the steps themselves.
TINY = {"model__hidden_layer_sizes": (8,), "epochs": 1, "verbose": 0,
        "run_eagerly": True}

N = 60
RNG = np.random.default_rng(0)
X = RNG.normal(size=(N, 4))
Y1 = np.arange(N) % 3
Y2 = pd.DataFrame({"species": np.arange(N) % 3, "sex": np.where(np.arange(N) % 2,
                                                                "f", "m")})


class TrainingStarted(keras.callbacks.Callback):
    """Records whether Keras began training."""

    def __init__(self):
        super().__init__()
        self.started = False

    def on_train_begin(self, logs=None):
        self.started = True

    def on_train_batch_begin(self, batch, logs=None):
        self.started = True


def _input_model(n_features):
    return keras.Input(shape=(n_features,))


def one_softmax_head(meta):
    """A user model with a single 3-unit head, whatever ``y`` is."""
    inputs = _input_model(meta["n_features_in_"])
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))


def four_unit_head(meta):
    inputs = _input_model(meta["n_features_in_"])
    return keras.Model(inputs, keras.layers.Dense(4, activation="softmax")(inputs))


def one_unit_head(meta):
    inputs = _input_model(meta["n_features_in_"])
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inputs))


def five_feature_input(meta):
    inputs = _input_model(5)
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))


def not_a_model():
    return "not a model"


def _with(a, index, value):
    a = np.array(a, dtype=np.float64)
    a[index] = value
    return a


def case(id, params=None, *, X=X, y=Y1, sample_weight=None, fit_kwargs=None,
         exc=ValueError, match):
    fit = {"X": X, "y": y, **(fit_kwargs or {})}
    if sample_weight is not None:
        fit["sample_weight"] = sample_weight
    return pytest.param(params or {}, fit, exc, match, id=id)


FIT_CASES = [
    # -------------------------------------------------------- class_weight
    case("cw-list-too-short", {"class_weight": ["balanced"]}, y=Y2,
         match=r"number of elements in class_weight should match number of "
               r"outputs\. Got 1 element\(s\) while having 2 output\(s\)"),
    case("cw-list-too-long", {"class_weight": [None, None, None]}, y=Y2,
         match=r"Got 3 element\(s\) while having 2 output\(s\)"),
    case("cw-list-for-single-output", {"class_weight": [None, None]},
         match=r"Got 2 element\(s\) while having 1 output\(s\)"),
    case("cw-unknown-output-name", {"class_weight": {"specie": "balanced"}}, y=Y2,
         match=r"output names are \['species', 'sex'\]\. Got unknown output "
               r"name\(s\) \['specie'\] instead"),
    case("cw-label-dict-for-multi-output", {"class_weight": {0: 1.0, 1: 2.0}},
         y=Y2, match=r"Got unknown output name\(s\) \[0, 1\] instead"),
    case("cw-label-not-in-y", {"class_weight": {0: 1.0, 7: 2.0}},
         match=r"class_weight for output 'output_0' must name labels of y "
               r"\[0, 1, 2\]\. Got label\(s\) \[7\] instead, which this y lacks\. "
               r"In cross-validation a fold can lack a class: split with "
               r"skweight\.model_selection\.MultiOutputStratifiedKFold, which keeps "
               r"every output's classes in every fold\.$"),
    case("cw-label-not-in-y-list", {"class_weight": [None, {"f": 1.0, "x": 3.0}]},
         y=Y2, match=r"output 'sex' must name labels of y \['f', 'm'\]\. "
                     r"Got label\(s\) \['x'\] instead"),
    case("cw-label-str-for-int-y", {"class_weight": {"0": 2.0}},
         match=r"Got label\(s\) \['0'\] instead"),
    case("cw-negative", {"class_weight": {0: -1.0}},
         match=r"class_weight for output 'output_0' must be >= 0\. "
               r"Got \[-1\.0, 1\.0, 1\.0\] instead"),
    case("cw-nan", {"class_weight": {1: float("nan")}},
         match=r"class_weight for output 'output_0' must be finite\. "
               r"Got \[1\.0, nan, 1\.0\] instead"),
    case("cw-inf", {"class_weight": {"sex": {"m": float("inf")}}}, y=Y2,
         match=r"class_weight for output 'sex' must be finite\. "
               r"Got \[1\.0, inf\] instead"),
    case("cw-all-zero", {"class_weight": {0: 0.0, 1: 0.0, 2: 0.0}},
         match=r"class_weight and sample_weight give no weight to any sample of "
               r"output\(s\) \['output_0'\]: nothing to train on\. Got all zeros "
               r"instead"),
    case("cw-all-zero-in-list", {"class_weight": [{0: 0.0, 1: 0.0, 2: 0.0}, None]},
         y=Y2, match=r"class_weight and sample_weight give no weight to any "
                     r"sample of output\(s\) \['species'\]"),
    case("cw-times-sw-all-zero", {"class_weight": {0: 0.0}},
         sample_weight=(Y1 == 0).astype(float),
         match=r"class_weight and sample_weight give no weight to any sample of "
               r"output\(s\) \['output_0'\]"),
    case("cw-weight-not-a-number", {"class_weight": {0: "heavy"}}, exc=TypeError,
         match=r"the weight of label 0 must be a real number\. Got 'heavy' instead"),
    case("cw-weight-bool", {"class_weight": {0: True}}, exc=TypeError,
         match=r"the weight of label 0 must be a real number\. Got True instead"),
    case("cw-unknown-strategy", {"class_weight": "balance"},
         match=r"class_weight for output 'output_0' must be one of \['balanced', "
               r"'effective_number', 'inverse', 'sqrt_inverse'\], a strategy "
               r"object, a callable or a dict\. Got 'balance' instead\. "
               r"Did you mean 'balanced'\?$"),
    case("cw-unknown-strategy-in-list", {"class_weight": ["balanced", "inverted"]},
         y=Y2, match=r"class_weight for output 'sex' must be one of .* "
                     r"Got 'inverted' instead"),
    case("cw-unknown-strategy-in-dict", {"class_weight": {"species": "sqrt"}}, y=Y2,
         match=r"output 'species' must be one of .* Got 'sqrt' instead"),
    case("cw-int", {"class_weight": 3}, exc=TypeError,
         match=r"class_weight must be None, a strategy name .* Got 3 instead"),
    case("cw-array", {"class_weight": np.array([1.0, 2.0, 3.0])}, exc=TypeError,
         match=r"class_weight must be None, .* Got array\(\[1\., 2\., 3\.\]\) "
               r"instead"),
    case("cw-list-entry-float", {"class_weight": [1.5, None]}, y=Y2, exc=TypeError,
         match=r"class_weight\[0\] must be None, a strategy name, .* Got 1\.5 "
               r"instead"),
    case("cw-dict-entry-float", {"class_weight": {"sex": 2.0}}, y=Y2,
         exc=TypeError,
         match=r"class_weight for output 'sex' must be None, a strategy name, "
               r".* Got 2\.0 instead"),
    case("cw-callable-wrong-shape",
         {"class_weight": lambda classes, counts: np.ones(len(classes) + 1)},
         match=r"class_weight callable must return one weight per class, shape "
               r"\(3,\)\. Got shape \(4,\) instead"),
    case("cw-callable-negative",
         {"class_weight": lambda classes, counts: -np.ones(len(classes))},
         match=r"class_weight callable result must be >= 0\. Got \[-1\.0, -1\.0, "
               r"-1\.0\] instead"),
    case("cw-callable-nan",
         {"class_weight": lambda classes, counts: np.full(len(classes), np.nan)},
         match=r"class_weight callable result must be finite\. Got \[nan, nan, "
               r"nan\] instead"),
    case("cw-callable-all-zero",
         {"class_weight": lambda classes, counts: np.zeros(len(classes))},
         match=r"class weights must give a positive total weight\. Got per-class "
               r"weights \[0\.0, 0\.0, 0\.0\] .* instead"),
    # ------------------------------------------------ strategy parameters
    case("strategy-power-negative", {"class_weight": InverseFrequency(power=-1)},
         match=r"power must be a finite number in \[0, inf\]\. Got -1 instead"),
    case("strategy-power-nan", {"class_weight": InverseFrequency(power=np.nan)},
         match=r"power must be a finite number in \[0, inf\]\. Got nan instead"),
    case("strategy-power-str", {"class_weight": InverseFrequency(power="1")},
         exc=TypeError,
         match=r"power must be a real number\. Got '1' of type str instead"),
    case("strategy-smoothing-negative",
         {"class_weight": InverseFrequency(smoothing=-0.5)},
         match=r"smoothing must be a finite number in \[0, inf\]\. Got -0\.5 "
               r"instead"),
    case("strategy-beta-one", {"class_weight": EffectiveNumber(beta=1.0)},
         match=r"beta must be a finite number in \[0, 1\)\. Got 1\.0 instead"),
    case("strategy-beta-negative", {"class_weight": EffectiveNumber(beta=-0.1)},
         match=r"beta must be a finite number in \[0, 1\)\. Got -0\.1 instead"),
    case("strategy-beta-in-list",
         {"class_weight": [None, EffectiveNumber(beta=2)]}, y=Y2,
         match=r"beta must be a finite number in \[0, 1\)\. Got 2 instead"),
    # ------------------------------------------------------- loss_weights
    case("lw-too-short", {"loss_weights": [1.0]}, y=Y2,
         match=r"number of elements in loss_weights should match number of "
               r"outputs\. Got 1 element\(s\) while having 2 output\(s\)"),
    case("lw-too-long", {"loss_weights": [1.0, 1.0, 1.0]}, y=Y2,
         match=r"Got 3 element\(s\) while having 2 output\(s\)"),
    case("lw-negative", {"loss_weights": [1.0, -0.5]}, y=Y2,
         match=r"loss_weights for output 'sex' must be a finite number >= 0\. "
               r"Got -0\.5 instead"),
    case("lw-nan", {"loss_weights": {"species": float("nan")}}, y=Y2,
         match=r"loss_weights for output 'species' must be a finite number >= 0\. "
               r"Got nan instead"),
    case("lw-inf", {"loss_weights": [float("inf")]},
         match=r"loss_weights for output 'output_0' must be a finite number >= 0\. "
               r"Got inf instead"),
    case("lw-unknown-name", {"loss_weights": {"island": 2.0}}, y=Y2,
         match=r"loss_weights as a dict maps output names to entries; the output "
               r"names are \['species', 'sex'\]\. Got unknown output "
               r"name\(s\) \['island'\] instead"),
    case("lw-str-entry", {"loss_weights": ["1", 1.0]}, y=Y2, exc=TypeError,
         match=r"loss_weights for output 'species' must be a real number\. "
               r"Got '1' instead"),
    case("lw-scalar", {"loss_weights": 2.0}, exc=TypeError,
         match=r"loss_weights must be None, a list of floats or a dict "
               r"\{output_name: float\}\. Got 2\.0 instead"),
    case("lw-all-zero", {"loss_weights": [0.0, 0.0]}, y=Y2,
         match=r"loss_weights must give a positive weight to at least one "
               r"output\. Got \[0\.0, 0\.0\] instead"),
    # ------------------------------------------------------ sample_weight
    case("sw-too-short", sample_weight=np.ones(N - 1),
         match=r"sample_weight must have 60 rows, one per sample\. Got 59 instead"),
    case("sw-too-many-columns", y=Y2, sample_weight=np.ones((N, 3)),
         match=r"sample_weight of shape \(n_samples, n_outputs\) must have 2 "
               r"column\(s\), one per output\. Got 3 instead"),
    case("sw-3d", sample_weight=np.ones((N, 1, 1)),
         match=r"sample_weight must have shape \(60,\) or \(60, 1\)\. Got shape "
               r"\(60, 1, 1\) instead"),
    case("sw-scalar", sample_weight=2.0,
         match=r"sample_weight must have shape \(60,\) or \(60, 1\)\. Got shape "
               r"\(\) instead"),
    case("sw-negative", sample_weight=_with(np.ones(N), 3, -1.0),
         match=r"sample_weight must be >= 0\. Got a minimum of -1\.0 instead"),
    case("sw-nan", sample_weight=_with(np.ones(N), 0, np.nan),
         match=r"sample_weight must be finite\. Got NaN or infinity instead"),
    case("sw-inf", y=Y2, sample_weight=_with(np.ones((N, 2)), (5, 1), np.inf),
         match=r"sample_weight must be finite\. Got NaN or infinity instead"),
    case("sw-all-zero", sample_weight=np.zeros(N),
         match=r"gives no weight to any sample of output\(s\) \['output_0'\]: "
               r"nothing to train on\. Got all zeros instead"),
    case("sw-one-column-zero", y=Y2,
         sample_weight=np.column_stack([np.ones(N), np.zeros(N)]),
         match=r"gives no weight to any sample of output\(s\) \['sex'\]"),
    case("sw-strings", sample_weight=np.array(["a"] * N), exc=TypeError,
         match=r"sample_weight must be an array of numbers\. Got array"),
    # ------------------------------------------------------------- X and y
    case("X-nan", X=_with(X, (2, 1), np.nan), match=r"Input X contains NaN"),
    case("X-inf", X=_with(X, (2, 1), np.inf), match=r"Input X contains infinity"),
    case("X-1d", X=X[:, 0], match=r"Expected 2D array, got 1D array instead"),
    case("X-3d", X=X[:, :, None],
         match=r"built-in network takes 2-D X.*Got X of shape \(60, 4, 1\)"),
    case("X-empty", X=X[:0], y=Y1[:0],
         match=r"Found array with 0 sample\(s\) \(shape=\(0, 4\)\) while a "
               r"minimum of 1 is required"),
    case("X-no-features", X=X[:, :0],
         match=r"Found array with 0 feature\(s\) \(shape=\(60, 0\)\) while a "
               r"minimum of 1 is required"),
    case("X-strings", X=np.full((N, 2), "a"),
         match=r"could not convert string to float"),
    case("X-y-length-mismatch", y=Y1[:-1],
         match=r"Found input variables with inconsistent numbers of samples: "
               r"\[60, 59\]"),
    case("y-none", y=None, match=r"requires y to be passed, but the target y is "
                                 r"None"),
    case("y-3d", y=Y1.reshape(N, 1, 1),
         match=r"y must be an array of shape \(n_samples,\) or \(n_samples, "
               r"n_outputs\)\. Got an array of shape \(60, 1, 1\) instead"),
    case("y-no-columns", y=np.empty((N, 0)),
         match=r"y has no columns\. Got shape \(60, 0\) instead"),
    case("y-continuous", y=RNG.normal(size=N),
         match=r"Unknown label type: 'continuous'\. y column 'output_0' must hold "
               r"discrete labels \(int, str or bool\) .* Got label type "
               r"'continuous' instead"),
    case("y-continuous-column", y=Y2.assign(sex=RNG.normal(size=N)),
         match=r"y column 'sex' must hold discrete labels .* Got label type "
               r"'continuous' instead"),
    case("y-one-class", y=np.zeros(N, dtype=int),
         match=r"y column 'output_0' must have at least 2 classes\. Got 1 class "
               r"\[0\] instead"),
    case("y-one-class-column", y=Y2.assign(sex="f"),
         match=r"y column 'sex' must have at least 2 classes\. Got 1 class "
               r"\['f'\] instead"),
    case("y-nan-label", y=_with(Y1, 4, np.nan),
         match=r"y column 'output_0' has missing labels \(NaN, None or pd\.NA\)\. "
               r"Set missing_labels='mask' .* Got 1 missing value\(s\) instead"),
    case("y-missing-label", y=Y2.assign(sex=[None] + ["f", "m"] * 29 + ["f"]),
         match=r"y column 'sex' has missing labels \(NaN, None or pd\.NA\)\. "
               r"Set missing_labels='mask'"),
    case("y-no-label-left", {"missing_labels": "mask"}, y=Y2.assign(sex=None),
         match=r"y column 'sex' has no labels left: every value is missing"),
    case("missing-labels-unknown", {"missing_labels": "drop"},
         match=r"missing_labels must be 'raise' or 'mask'\. Got 'drop' instead"),
    case("y-mixed-label-kinds",
         y=np.array([0, "a", 1] * (N // 3), dtype=object),
         match=r"y column 'output_0' must hold labels of one kind .* Got a mix of "
               r"\['int', 'str'\] instead"),
    case("y-duplicate-names",
         y=pd.DataFrame(np.column_stack([Y1, Y1]), columns=["a", "a"]),
         match=r"y has duplicate column names\. Got \['a', 'a'\] instead"),
    # ------------------------------------------------ model and training
    case("model-too-few-outputs", {"model": one_softmax_head}, y=Y2,
         match=r"model must return one output per y column \(2: \['species', "
               r"'sex'\]\), in column order\. Got 1 output\(s\) instead"),
    case("model-output-too-wide", {"model": four_unit_head},
         match=r"model output .* for y column 'output_0' must have 3 units "
               r"\(softmax over 3 classes\)\. Got 4 unit\(s\) instead"),
    case("model-one-unit-for-3-classes", {"model": one_unit_head},
         match=r"for y column 'output_0' must have 3 units .* Got 1 unit\(s\) "
               r"instead"),
    case("model-wrong-input-width", {"model": five_feature_input},
         match=r"model input must take 4 feature\(s\), the columns of X\. "
               r"Got an input of width 5 instead"),
    case("model-builds-no-model", {"model": not_a_model}, exc=TypeError,
         match=r"model must build a keras\.Model\. Got str instead"),
    case("model-not-callable", {"model": 42}, exc=TypeError,
         match=r"model must be None, a keras\.Model or a callable returning "
               r"one\. Got 42 instead"),
    case("hidden-layer-sizes-zero", {"model__hidden_layer_sizes": (0,)},
         match=r"model__hidden_layer_sizes must be a sequence of positive ints\. "
               r"Got \(0,\) instead"),
    case("epochs-negative", {"epochs": -1},
         match=r"epochs must be >= 1 .* Got -1 instead"),
    case("epochs-zero", {"epochs": 0},
         match=r"epochs must be >= 1 \(an unfitted network is not a fitted "
               r"estimator\)\. Got 0 instead"),
    case("random-state-str", {"random_state": "abc"}, exc=TypeError,
         match=r"random_state must be None, an int, a numpy RandomState or a "
               r"numpy Generator\. Got 'abc' of type str instead"),
    case("random-state-float", {"random_state": 1.5}, exc=TypeError,
         match=r"random_state must be None, .* Got 1\.5 of type float instead"),
    case("random-state-negative", {"random_state": -1},
         match=r"random_state as an int must be in \[0, 2\*\*32 - 1\]\. Got -1 "
               r"instead"),
    # --------------------------------------------------------------- loss
    case("loss-misspelled", {"loss": "sparse_categorical_crossentropi"},
         match=r"loss must be a Keras loss name .* Got "
               r"'sparse_categorical_crossentropi' instead\. Did you mean "
               r"'sparse_categorical_crossentropy'"),
    case("output-name-misspelled", {"class_weight": {"specis": "balanced"}},
         y=Y2, match=r"Got unknown output name\(s\) \['specis'\] instead\. "
                     r"Did you mean 'species'\?$"),
    case("network-setting-misspelled", {"model__hidden_layer_size": (4,)},
         match=r"The built-in network \(model=None\) takes "
               r"model__hidden_layer_sizes, model__activation, model__dropout, "
               r"model__label_layout\. Got unknown setting\(s\) "
               r"\['model__hidden_layer_size'\] instead\. Did you mean "
               r"'model__hidden_layer_sizes'\?$"),
    case("estimator-param-misspelled", {"epoch": 5},
         match=r"got unknown parameter\(s\) \['epoch'\]: they are neither its own "
               r"parameters \(model, .*epochs.*\) nor settings of the built-in "
               r"network \(model__hidden_layer_sizes, .*\)\. Did you mean 'epochs'\?$"),
    case("loss-list-too-short", {"loss": ["sparse_categorical_crossentropy"]},
         y=Y2, match=r"number of elements in loss should match number of "
                     r"outputs\. Got 1 element\(s\) while having 2 output\(s\)"),
    case("loss-list-too-long", {"loss": [None, None, None]}, y=Y2,
         match=r"Got 3 element\(s\) while having 2 output\(s\)"),
    case("loss-unknown-output", {"loss": {"nonexistent": "mse"}}, y=Y2,
         match=r"loss as a dict maps output names to entries; the output names "
               r"are \['species', 'sex'\]\. Got unknown output name\(s\) "
               r"\['nonexistent'\] instead"),
    case("loss-int", {"loss": 3}, exc=TypeError,
         match=r"loss must be None, a loss name, .* Got 3 instead"),
    case("epochs-str", {"epochs": "10"}, exc=TypeError,
         match=r"epochs must be an int\. Got '10' instead"),
    case("batch-size-zero", {"batch_size": 0},
         match=r"batch_size must be None, -1 or a positive int\. Got 0 instead"),
    case("validation-batch-size-negative", {"validation_batch_size": -3},
         match=r"validation_batch_size must be None, -1 or a positive int\. Got -3 "
               r"instead"),
    case("fit-kwarg-epochs-str", fit_kwargs={"epochs": "x"}, exc=TypeError,
         match=r"epochs must be an int\. Got 'x' instead"),
    case("fit-kwarg-batch-size-zero", fit_kwargs={"batch_size": 0},
         match=r"batch_size must be None, -1 or a positive int\. Got 0 instead"),
    case("fit-kwarg-validation-split", fit_kwargs={"validation_split": -0.1},
         match=r"validation_split must be a float in \[0, 1\)\. Got -0\.1 "
               r"instead"),
    case("fit-kwarg-class-weight", fit_kwargs={"class_weight": {0: 2.0}},
         exc=TypeError,
         match=r"fit sets \['class_weight'\] itself: .* class_weight and callbacks "
               r"as estimator parameters \(set_params\)\. Got fit keyword "
               r"argument\(s\) \['class_weight'\] instead"),
    case("fit-kwarg-callbacks", fit_kwargs={"callbacks": []}, exc=TypeError,
         match=r"Got fit keyword argument\(s\) \['callbacks'\] instead"),
    case("fit-kwarg-unknown", fit_kwargs={"epoch": 3}, exc=TypeError,
         match=r"got an unexpected keyword argument 'epoch'"),
    case("validation-split-one", {"validation_split": 1.0},
         match=r"validation_split must be a float in \[0, 1\)\. Got 1\.0 instead"),
]


# Rows that are not bad input for an estimator: the mixed-output estimator
# takes a continuous y column as a regression output.
NOT_BAD_FOR = {"WeightedMixedOutputEstimator": {"y-continuous",
                                                "y-continuous-column"}}


def _estimator_cases():
    for make in ESTIMATORS:
        skip = NOT_BAD_FOR.get(make.__name__, set())
        for row in FIT_CASES:
            if row.id not in skip:
                yield pytest.param(make, *row.values, id=f"{make.__name__}-{row.id}")


@pytest.mark.parametrize(("make", "params", "fit", "exc", "match"),
                         list(_estimator_cases()))
def test_bad_fit_input_is_refused_before_training(make, params, fit, exc, match):
    recorder = TrainingStarted()
    base = dict(TINY)
    if "model" in params:  # user models take no built-in network options
        del base["model__hidden_layer_sizes"]
    est = make(**{**base, **params, "callbacks": [recorder]})
    with pytest.raises(exc, match=match):
        est.fit(**fit)
    assert not recorder.started
    assert not hasattr(est, "model_")


def test_the_table_is_large_enough():
    assert len(FIT_CASES) >= 40


# ------------------------------------------------------------- predicting
@pytest.fixture(scope="module", params=ESTIMATORS)
def fitted(request):
    return request.param(**TINY, random_state=0).fit(X, Y2)


@pytest.mark.parametrize("make", ESTIMATORS)
@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
def test_predicting_before_fit_raises_not_fitted(make, method):
    args = (X, Y1) if method == "score" else (X,)
    with pytest.raises(NotFittedError, match=r"is not fitted yet"):
        getattr(make(**TINY), method)(*args)


PREDICT_CASES = [
    pytest.param(X[:, :3], ValueError,
                 r"X has 3 features, but \w+ is expecting 4 features as input",
                 id="too-few-features"),
    pytest.param(np.hstack([X, X]), ValueError,
                 r"X has 8 features, but \w+ is expecting 4 features as input",
                 id="too-many-features"),
    pytest.param(_with(X, (0, 0), np.nan), ValueError, r"Input X contains NaN",
                 id="nan"),
    pytest.param(X[:0], ValueError, r"Found array with 0 sample\(s\)", id="empty"),
    pytest.param(X[0], ValueError, r"Expected 2D array, got 1D array instead",
                 id="1d"),
]


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
@pytest.mark.parametrize(("bad_X", "exc", "match"), PREDICT_CASES)
def test_bad_predict_input_is_refused(fitted, method, bad_X, exc, match):
    with pytest.raises(exc, match=match):
        getattr(fitted, method)(bad_X)


@pytest.mark.parametrize(
    ("y", "sample_weight", "match"),
    [
        pytest.param(Y2.iloc[:1], None, r"inconsistent numbers of samples: "
                                        r"\[60, 1\]", id="y-one-row"),
        pytest.param(Y2.iloc[:-3], None, r"inconsistent numbers of samples: "
                                         r"\[60, 57\]", id="y-short"),
        pytest.param(Y2, np.ones(N - 1), r"inconsistent numbers of samples: "
                                         r"\[60, 60, 59\]", id="sw-short"),
        pytest.param(Y2, np.ones((N, 2)), r"score takes a sample_weight of shape "
                                          r"\(n_samples,\)", id="sw-2d"),
    ],
)
def test_score_checks_its_arguments_as_fit_does(fitted, y, sample_weight, match):
    with pytest.raises(ValueError, match=match):
        fitted.score(X, y, sample_weight=sample_weight)


def test_score_with_wrong_number_of_outputs(fitted):
    with pytest.raises(ValueError, match=r"y has 1 column\(s\) but the estimator "
                                         r"was fitted on 2 output\(s\)"):
        fitted.score(X, Y1)


def test_warm_start_on_other_data_is_refused_before_training(fitted):
    est = fitted
    recorder = TrainingStarted()
    est.set_params(warm_start=True, callbacks=[recorder])
    try:
        with pytest.raises(ValueError, match=r"warm_start=True continues training "
                                             r"the fitted network"):
            est.fit(X[:, :3], Y2)
    finally:
        est.set_params(warm_start=False, callbacks=None)
    assert not recorder.started


# ------------------------------------------- compute_output_sample_weight
@pytest.mark.parametrize(
    ("class_weight", "y", "sample_weight", "exc", "match"),
    [
        pytest.param("balance", Y1, None, ValueError, r"Got 'balance' instead",
                     id="unknown-strategy"),
        pytest.param([None], Y2, None, ValueError,
                     r"Got 1 element\(s\) while having 2 output\(s\)",
                     id="list-length"),
        pytest.param({5: 1.0}, Y1, None, ValueError,
                     r"Got label\(s\) \[5\] instead", id="unknown-label"),
        pytest.param(None, Y1, np.ones(3), ValueError,
                     r"sample_weight must have 60 rows", id="sample-weight-rows"),
        pytest.param(None, Y1.reshape(N, 1, 1), None, ValueError,
                     r"Got an array of shape \(60, 1, 1\) instead", id="y-3d"),
        pytest.param(object(), Y1, None, TypeError,
                     r"class_weight must be None", id="wrong-type"),
        pytest.param("balanced", _with(Y1, 4, np.nan), None, ValueError,
                     r"y column 'output_0' has missing labels \(NaN, None or "
                     r"pd\.NA\)\. Set missing_labels='mask' .* Got 1 missing "
                     r"value\(s\) instead", id="nan-label"),
        pytest.param(None, _with(Y1, 4, np.nan), None, ValueError,
                     r"has missing labels", id="nan-label-unweighted"),
        pytest.param("balanced", _with(Y1, 4, np.inf), None, ValueError,
                     r"y column 'output_0' must hold finite labels\. Got NaN or "
                     r"infinity instead", id="inf-label"),
        pytest.param("balanced", np.array([0, "a", 1] * (N // 3), dtype=object),
                     None, ValueError, r"must hold labels of one kind .* Got a mix "
                     r"of \['int', 'str'\] instead", id="str-int-mix"),
        pytest.param("balanced", np.array([None] + [0, 1] * 2, dtype=object), None,
                     ValueError, r"y column 'output_0' has missing labels \(NaN, "
                     r"None or pd\.NA\)\. Set missing_labels='mask'",
                     id="none-label"),
        pytest.param({0: 0.0, 1: 0.0, 2: 0.0}, Y1, None, ValueError,
                     r"class_weight and sample_weight give no weight to any "
                     r"sample of output\(s\) \['output_0'\]", id="all-zero"),
    ],
)
def test_compute_output_sample_weight_refuses(class_weight, y, sample_weight, exc,
                                              match):
    with pytest.raises(exc, match=match):
        compute_output_sample_weight(class_weight, y, sample_weight=sample_weight)


# ---------------------------------------------------------------- metrics
@pytest.mark.parametrize(
    ("make_scorer", "exc", "match"),
    [
        pytest.param(lambda: output_scorer("accurcy", 0), ValueError,
                     r"'accurcy' is not a valid scoring value", id="unknown-scoring"),
        pytest.param(lambda: output_scorer(3, 0), TypeError,
                     r"scoring must be a scorer name or a metric callable\. Got 3 "
                     r"instead", id="scoring-type"),
        pytest.param(lambda: output_scorer("accuracy", 1.5), TypeError,
                     r"output must be an int index or a str output name\. Got 1\.5 "
                     r"instead", id="output-type"),
        pytest.param(lambda: per_output_scorers("accuracy", "species"), TypeError,
                     r"outputs must be an int or a sequence of output indices or "
                     r"names\. Got 'species' instead", id="outputs-str"),
    ],
)
def test_bad_scorer_arguments_are_refused(make_scorer, exc, match):
    with pytest.raises(exc, match=match):
        make_scorer()


@pytest.mark.parametrize(
    ("output", "y", "match"),
    [
        pytest.param(2, Y2, r"^output_scorer\('accuracy', 2\) scores an output the "
                            r"estimator does not have: its outputs are "
                            r"\['species', 'sex'\] \(indices 0 to 1\)\. Got output 2 "
                            r"instead\.$", id="index-out-of-range"),
        pytest.param("island", Y2, r"its outputs are \['species', 'sex'\] \(indices "
                                   r"0 to 1\)\. Got output 'island' instead\.$",
                     id="unknown-name"),
        pytest.param("spcies", Y2, r"Got output 'spcies' instead\. Did you mean "
                                   r"'species'\?$", id="misspelled-name"),
        pytest.param(0, Y1, r"y has 1 column\(s\) but the estimator has 2 "
                            r"output\(s\)", id="y-columns"),
    ],
)
def test_scorer_refuses_outputs_the_estimator_lacks(fitted, output, y, match):
    with pytest.raises(ValueError, match=match):
        output_scorer("accuracy", output)(fitted, X, y)


def test_scorer_error_names_the_output_inside_cross_validate():
    # scikit-learn turns a scorer's error into NaN and a warning; the warning
    # (or, with error_score="raise", the error) names the output and the names.
    from sklearn.model_selection import cross_val_score

    from skweight import WeightedMultiOutputClassifier
    from skweight.model_selection import MultiOutputStratifiedKFold

    clf = WeightedMultiOutputClassifier(**TINY)
    with pytest.raises(ValueError, match=r"its outputs are \['species', 'sex'\] "
                                         r".*Did you mean 'species'\?$"):
        cross_val_score(clf, X, Y2, cv=MultiOutputStratifiedKFold(2),
                        error_score="raise",
                        scoring=output_scorer("accuracy", "specis"))


def test_non_numeric_feature_columns_are_named_with_the_recipe(penguins_small):
    from skweight import WeightedMultiOutputClassifier

    X_, Y_ = penguins_small
    frame = X_.assign(island=Y_["island"], year=X_["body_mass_g"].astype(object))
    clf = WeightedMultiOutputClassifier(**TINY)
    match = (r"^X must hold numbers: the network reads every column as a number\. "
             r"Got non-numeric column\(s\) \['island'\] instead\. Encode them first, "
             r"e\.g\. make_pipeline\(make_column_transformer\(\(OneHotEncoder\(.*"
             r"\['island'\]\), remainder='passthrough'\), estimator\)")
    with pytest.raises(ValueError, match=match):
        clf.fit(frame, Y_[["species", "sex"]])
    assert not hasattr(clf, "model_")
    # An object column of numbers (year) is read as numbers.
    clf.fit(frame.drop(columns="island"), Y_[["species", "sex"]])
    with pytest.raises(ValueError, match=r"non-numeric column\(s\) \['year'\]"):
        clf.predict(frame.drop(columns="island").assign(year="y2007"))


def test_fold_without_a_named_class_points_to_the_stratified_splitter(penguins):
    # The trap of the issue: rows sorted by species, cv=3 with a 2-D y is
    # unshuffled KFold, and the second fold trains without Chinstrap.
    from sklearn.model_selection import cross_val_score

    from skweight import WeightedMultiOutputClassifier

    X_, Y_ = penguins
    order = np.argsort(Y_["species"].to_numpy(), kind="stable")
    clf = WeightedMultiOutputClassifier(
        class_weight={"species": {"Chinstrap": 2.0}}, **TINY)
    with pytest.raises(ValueError, match=r"class_weight for output 'species' must "
                       r"name labels of y \['Adelie', 'Gentoo'\]\. Got label\(s\) "
                       r"\['Chinstrap'\] instead, .*MultiOutputStratifiedKFold"):
        cross_val_score(clf, X_.iloc[order], Y_.iloc[order], cv=3,
                        error_score="raise")
