import keras
import numpy as np
import pytest
from factories import FROZEN

from skweight import WeightedMultiOutputClassifier
from skweight.losses import (
    BatchBalancedCrossentropy,
    LogitAdjustedCrossentropy,
    SparseCategoricalFocalCrossentropy,
    WeightedBinaryCrossentropy,
    WeightedSparseCategoricalCrossentropy,
)

RNG = np.random.default_rng(0)


def _probas(n, k):
    p = RNG.random((n, k)) + 0.05
    return (p / p.sum(axis=1, keepdims=True)).astype("float32")


def _frozen(**params):
    """A network that does not learn: the logged loss is the initial loss."""
    return WeightedMultiOutputClassifier(**FROZEN, **params)


def _output_losses(clf):
    return [clf.history_[f"{name}_loss"][0] for name in clf.output_layer_names_]


# ------------------------------------------------------- loss-level equalities
def test_weighted_sparse_equals_sample_weighted_keras_loss():
    y = RNG.integers(0, 3, 50)
    p = _probas(50, 3)
    w = np.array([0.5, 2.0, 3.5])
    got = WeightedSparseCategoricalCrossentropy(class_weight=w)(y, p)
    ref = keras.losses.SparseCategoricalCrossentropy()(y, p, sample_weight=w[y])
    np.testing.assert_allclose(float(got), float(ref), rtol=1e-6)
    # Targets of shape (n, 1), as Keras often feeds them, give the same.
    got_2d = WeightedSparseCategoricalCrossentropy(class_weight=w)(y[:, None], p)
    np.testing.assert_allclose(float(got_2d), float(ref), rtol=1e-6)


@pytest.mark.parametrize("from_logits", [False, True])
def test_weighted_binary_equals_sample_weighted_keras_loss(from_logits):
    y = RNG.integers(0, 2, (40, 1)).astype("float32")
    p = RNG.random((40, 1)).astype("float32")
    if from_logits:
        p = np.log(p / (1 - p))
    w = np.array([0.7, 2.5])
    ref = keras.losses.BinaryCrossentropy(from_logits=from_logits)(
        y, p, sample_weight=w[y[:, 0].astype(int)]
    )
    got = WeightedBinaryCrossentropy(class_weight=w, from_logits=from_logits)(y, p)
    np.testing.assert_allclose(float(got), float(ref), rtol=1e-6)
    # pos_weight=a is class_weight=[1, a].
    a = WeightedBinaryCrossentropy(pos_weight=3.0, from_logits=from_logits)(y, p)
    b = WeightedBinaryCrossentropy(class_weight=[1, 3], from_logits=from_logits)(y, p)
    np.testing.assert_allclose(float(a), float(b), rtol=1e-7)


def test_weighted_losses_compose_with_sample_weight():
    y = RNG.integers(0, 3, 30)
    p = _probas(30, 3)
    w = np.array([1.0, 2.0, 4.0])
    importance = RNG.random(30)
    got = WeightedSparseCategoricalCrossentropy(class_weight=w)(
        y, p, sample_weight=importance
    )
    ref = keras.losses.SparseCategoricalCrossentropy()(
        y, p, sample_weight=w[y] * importance
    )
    np.testing.assert_allclose(float(got), float(ref), rtol=1e-6)


def test_sparse_focal_matches_keras_categorical_focal_on_one_hot():
    y = RNG.integers(0, 4, 64)
    p = _probas(64, 4)
    w = [1.0, 0.5, 2.0, 3.0]
    ours = SparseCategoricalFocalCrossentropy(gamma=2.0)(y, p)
    keras_focal = keras.losses.CategoricalFocalCrossentropy(alpha=1.0, gamma=2.0)
    ref = keras_focal(np.eye(4)[y], p)
    np.testing.assert_allclose(float(ours), float(ref), rtol=1e-5)
    weighted = SparseCategoricalFocalCrossentropy(gamma=2.0, class_weight=w)(y, p)
    per_sample = keras.losses.categorical_focal_crossentropy(
        np.eye(4)[y], p, alpha=1.0, gamma=2.0
    )
    np.testing.assert_allclose(
        float(weighted), np.mean(np.asarray(per_sample) * np.array(w)[y]), rtol=1e-5
    )
    # gamma=0 is the weighted cross-entropy.
    np.testing.assert_allclose(
        float(SparseCategoricalFocalCrossentropy(gamma=0.0, class_weight=w)(y, p)),
        float(WeightedSparseCategoricalCrossentropy(class_weight=w)(y, p)),
        rtol=1e-6,
    )


def test_keras_categorical_focal_needs_one_hot_targets():
    """Documented pitfall: integer codes fail, or broadcast when n == k."""
    loss = keras.losses.CategoricalFocalCrossentropy()
    # The error type and wording are the backend's own.
    shape_error = "(?i)incompatible shapes|broadcast|must match the size"
    with pytest.raises(Exception, match=shape_error):
        loss(np.array([0, 1, 2, 1, 0]), _probas(5, 3))
    y = np.array([0, 1, 2])
    p = _probas(3, 3)
    silently_wrong = float(loss(y, p))
    right = float(loss(np.eye(3)[y], p))
    assert not np.isclose(silently_wrong, right)


# ---------------------------------------------------------- per-batch weights
def test_batch_balanced_is_mean_of_class_means():
    y = np.array([0, 0, 0, 0, 2, 2, 1])
    p = _probas(7, 4)  # class 3 absent from the batch: no inf, no NaN
    ce = -np.log(p[np.arange(7), y])
    expected = np.mean([ce[y == c].mean() for c in (0, 1, 2)])
    got = float(BatchBalancedCrossentropy()(y, p))
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    # power=0 is plain cross-entropy.
    np.testing.assert_allclose(
        float(BatchBalancedCrossentropy(power=0.0)(y, p)), ce.mean(), rtol=1e-5
    )


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="the gradient is taken with tf.GradientTape")
def test_batch_balanced_binary_and_gradient_is_finite():
    y = np.array([[0.0], [0.0], [0.0], [1.0]])
    p = keras.Variable(np.array([[0.2], [0.4], [0.1], [0.7]], dtype="float32"))
    ce = -np.log(np.array([0.8, 0.6, 0.9, 0.7]))
    expected = (ce[:3].mean() + ce[3]) / 2
    np.testing.assert_allclose(
        float(BatchBalancedCrossentropy()(y, p)), expected, rtol=1e-5
    )
    import tensorflow as tf

    with tf.GradientTape() as tape:
        value = BatchBalancedCrossentropy()(np.zeros((4, 1)), p)  # one class only
    assert np.all(np.isfinite(tape.gradient(value, p.value)))


# ------------------------------------------- through the estimator (frozen net)
def test_weighted_losses_equal_sample_weight_route(penguins_small):
    X, Y = penguins_small
    cw = [
        {"Adelie": 0.5, "Chinstrap": 2.0, "Gentoo": 1.5},
        {"Biscoe": 1.0, "Dream": 0.25, "Torgersen": 4.0},
        {"female": 3.0, "male": 0.5},
    ]
    by_weights = _frozen(class_weight=cw).fit(X, Y)
    by_losses = _frozen(loss=[
        WeightedSparseCategoricalCrossentropy(class_weight=[0.5, 2.0, 1.5]),
        WeightedSparseCategoricalCrossentropy(class_weight=[1.0, 0.25, 4.0]),
        WeightedBinaryCrossentropy(class_weight=[3.0, 0.5]),
    ]).fit(X, Y)
    np.testing.assert_allclose(
        _output_losses(by_losses), _output_losses(by_weights), rtol=1e-6
    )
    np.testing.assert_allclose(
        by_losses.history_["loss"], by_weights.history_["loss"], rtol=1e-6
    )
    # And the weights do something: the unweighted loss differs.
    plain = _frozen().fit(X, Y)
    assert not np.allclose(_output_losses(plain), _output_losses(by_weights))


def test_batch_balanced_full_batch_equals_balanced_class_weight(penguins_small):
    X, Y = penguins_small
    whole = _frozen(class_weight="balanced").fit(X, Y)
    per_batch = _frozen(loss=BatchBalancedCrossentropy()).fit(X, Y)
    np.testing.assert_allclose(
        _output_losses(per_batch), _output_losses(whole), rtol=1e-5
    )


def test_focal_losses_per_output_through_estimator(penguins_small):
    X, Y = penguins_small
    clf = WeightedMultiOutputClassifier(
        loss=[
            SparseCategoricalFocalCrossentropy(gamma=2.0),
            SparseCategoricalFocalCrossentropy(gamma=2.0, class_weight=[1, 1, 3]),
            keras.losses.BinaryFocalCrossentropy(gamma=2.0),
        ],
        epochs=3, batch_size=32, random_state=0, model__hidden_layer_sizes=(8,),
    ).fit(X, Y)
    assert clf.predict(X).shape == Y.shape
    losses = _output_losses(clf)
    assert np.all(np.isfinite(losses)) and len(clf.history_["loss"]) == 3


def _softmax_ce(codes, scores):
    scores = scores - scores.max(axis=1, keepdims=True)
    log_p = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(codes)), codes].mean()


@pytest.mark.parametrize("tau", [0.0, 1.0, 1.7])
def test_logit_adjusted_is_cross_entropy_of_shifted_scores(tau):
    y = RNG.integers(0, 4, 60)
    p = _probas(60, 4)
    prior = np.array([0.5, 0.3, 0.15, 0.05])
    expected = _softmax_ce(y, np.log(p) + tau * np.log(prior))
    got = LogitAdjustedCrossentropy(prior=prior * 7, tau=tau)(y, p)
    np.testing.assert_allclose(float(got), expected, rtol=1e-5)
    logits = RNG.normal(size=(60, 4)).astype("float32")
    got = LogitAdjustedCrossentropy(prior=prior, tau=tau, from_logits=True)(y, logits)
    np.testing.assert_allclose(
        float(got), _softmax_ce(y, logits + tau * np.log(prior)), rtol=1e-5
    )
    if tau == 0.0:
        plain = keras.losses.SparseCategoricalCrossentropy()(y, p)
        np.testing.assert_allclose(float(got), float(
            keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, logits)
        ), rtol=1e-5)
        np.testing.assert_allclose(
            float(LogitAdjustedCrossentropy(prior=prior, tau=0.0)(y, p)),
            float(plain), rtol=1e-5,
        )


def test_logit_adjusted_sigmoid_equals_two_class_softmax():
    y = RNG.integers(0, 2, (50, 1)).astype("float32")
    p = RNG.uniform(0.05, 0.95, (50, 1)).astype("float32")
    loss = LogitAdjustedCrossentropy(prior=[0.9, 0.1], tau=1.0)
    two = np.hstack([1 - p, p])
    np.testing.assert_allclose(
        float(loss(y, p)),
        float(loss(y[:, 0].astype(int), two)), rtol=1e-5,
    )
    with pytest.raises(ValueError, match=r"one entry per class of the output \(2\)"):
        LogitAdjustedCrossentropy(prior=[0.2, 0.3, 0.5])(y, p)


# ------------------------------------------------------------- serialization
# Keras' own saving of TensorFlow variables trips a NumPy 2 deprecation.
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_losses_save_and_load_with_model(tmp_path):
    inputs = keras.Input((3,))
    h = keras.layers.Dense(4, activation="relu")(inputs)
    outputs = [
        keras.layers.Dense(3, activation="softmax", name="a")(h),
        keras.layers.Dense(1, activation="sigmoid", name="b")(h),
        keras.layers.Dense(3, name="c")(h),
        keras.layers.Dense(4, activation="softmax", name="d")(h),
        keras.layers.Dense(1, activation="sigmoid", name="e")(h),
    ]
    model = keras.Model(inputs, outputs)
    losses = [
        WeightedSparseCategoricalCrossentropy(class_weight=[1.0, 2.0, 0.5]),
        WeightedBinaryCrossentropy(pos_weight=4.0),
        SparseCategoricalFocalCrossentropy(
            gamma=1.5, class_weight=[1, 2, 3], from_logits=True
        ),
        BatchBalancedCrossentropy(power=0.5, smoothing=1.0),
        LogitAdjustedCrossentropy(prior=[3, 1], tau=0.5),
    ]
    model.compile(optimizer="sgd", loss=losses)
    x = RNG.random((20, 3)).astype("float32")
    ys = [RNG.integers(0, 3, 20), RNG.integers(0, 2, (20, 1)).astype("float32"),
          RNG.integers(0, 3, 20), RNG.integers(0, 4, 20),
          RNG.integers(0, 2, (20, 1)).astype("float32")]
    before = model.evaluate(x, ys, verbose=0, batch_size=20)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    after = loaded.evaluate(x, ys, verbose=0, batch_size=20)
    np.testing.assert_allclose(after, before, rtol=1e-6)
    for original in losses:
        restored = type(original).from_config(original.get_config())
        assert restored.get_config() == original.get_config()
    assert keras.saving.get_registered_object(
        "skweight>WeightedBinaryCrossentropy"
    ) is WeightedBinaryCrossentropy


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "make, err, match",
    [
        (lambda: WeightedSparseCategoricalCrossentropy(class_weight={0: 1.0}),
         TypeError, "class_weight must be a sequence"),
        (lambda: WeightedSparseCategoricalCrossentropy(class_weight=[1.0]),
         ValueError, "one weight per class"),
        (lambda: WeightedSparseCategoricalCrossentropy(class_weight=[1.0, -1.0]),
         ValueError, r"finite and >= 0. Got \[1.0, -1.0\]"),
        (lambda: WeightedBinaryCrossentropy(class_weight=[1, 2, 3]),
         ValueError, "must have 2 weights. Got 3"),
        (lambda: WeightedBinaryCrossentropy(class_weight=[1, 2], pos_weight=2),
         ValueError, "at most one of class_weight and pos_weight"),
        (lambda: WeightedBinaryCrossentropy(pos_weight="2"),
         TypeError, "pos_weight must be a real number"),
        (lambda: SparseCategoricalFocalCrossentropy(gamma=-1),
         ValueError, r"gamma must be a finite number in \[0, inf\]\. Got -1"),
        (lambda: BatchBalancedCrossentropy(power=np.inf),
         ValueError, "power must be a finite number"),
        (lambda: LogitAdjustedCrossentropy(prior=[0.5, 0.0]),
         ValueError, r"prior must be finite and > 0. Got \[0.5, 0.0\]"),
        (lambda: LogitAdjustedCrossentropy(prior="balanced"),
         TypeError, "prior must be a sequence of class frequencies"),
        (lambda: LogitAdjustedCrossentropy(prior=[1, 1], tau=-1),
         ValueError, r"tau must be a finite number in \[0, inf\]\. Got -1"),
        (lambda: BatchBalancedCrossentropy(smoothing=-0.5),
         ValueError, r"smoothing must be a finite number in \[0, inf\]\. Got -0\.5"),
    ],
)
def test_bad_parameters(make, err, match):
    with pytest.raises(err, match=match):
        make()
