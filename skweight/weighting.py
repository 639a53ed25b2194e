"""Dynamic loss-weighting rules for :class:`~skweight.DynamicWeightClassifier`.

A rule decides the weight ``lambda_k`` of each output's loss in the optimised
total ``sum_k lambda_k * loss_k``. Rules are small objects with
``get_params``/``set_params`` (scikit-learn estimators in the parameter sense),
so ``GridSearchCV`` can choose among them (``weighting=[...]``) and tune their
options (``weighting__temperature``). The estimator never trains with the
object it was given: it validates a copy and resets its state when training
starts (:meth:`WeightingRule.start`), so one rule object can be shared.

A rule says what it needs through its own interface, which the estimator
reads (so a rule written by a user plugs in like the shipped ones):

- :meth:`WeightingRule.end_epoch` returns the next epoch's multipliers from
  the epoch-mean per-output losses, in NumPy, or None to leave them
  (*loss-only* rules: :class:`InverseLoss`, :class:`DWA`);
- ``learns_log_variance = True``: the estimator trains one log-variance per
  output with the network and weighs the losses with
  :meth:`WeightingRule.multipliers` plus :meth:`WeightingRule.regularizer`
  (:class:`Uncertainty`);
- ``needs_grad_norms = True``: the estimator computes, at every step, the norm
  of each output's loss gradient with respect to the last shared layer
  (``shared_layer`` names it) and hands it to :meth:`WeightingRule.step`
  (:class:`GradNorm`);
- ``backends``: the Keras backends the rule runs on (None: all).

Every rule returns *multipliers* ``m_k``; the weight in the loss is
``lambda_k = c_k * m_k`` where ``c_k`` is the estimator's fixed
``loss_weights`` (1 when None).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, clone

from skweight._docstrings import fill_doc
from skweight._validation import (
    CheckedParams,
    check_optional_str,
    did_you_mean,
    positive,
)

__all__ = [
    "DWA",
    "GradNorm",
    "InverseLoss",
    "RULES",
    "Uncertainty",
    "WeightingRule",
    "check_weighting",
]

# Losses below this are treated as this (1 / loss and loss ratios stay finite).
_TINY_LOSS = 1e-12


@fill_doc
class WeightingRule(CheckedParams, BaseEstimator):
    """Base class of the dynamic loss-weighting rules.

    Subclasses implement :meth:`end_epoch` (loss-only rules), or set
    ``learns_log_variance`` or ``needs_grad_norms`` and the methods these
    call for. :meth:`start` validates the options and resets the rule's state;
    the estimator calls it on its own copy of the rule when training starts.

    Attributes
    ----------
    learns_log_variance : bool
        Train one log-variance ``s_k`` per output with the network; the
        weights are ``multipliers(s)`` and ``regularizer(s)`` joins the loss.
    needs_grad_norms : bool
        Call :meth:`step` at every training step with the per-output gradient
        norms at the last shared layer (named by ``shared_layer``, or found).
    backends : tuple of str or None
        The Keras backends the rule supports (None: every backend).

    Examples
    --------
    A rule of one's own is one small class (here: output 0 counts twice):

    >>> import numpy as np
    >>> from skweight.weighting import WeightingRule
    >>> class FirstTwice(WeightingRule):
    ...     def end_epoch(self, losses, val_losses=None):
    ...         super().end_epoch(losses, val_losses)
    ...         return np.r_[2.0, np.ones(self.n_outputs_ - 1)]
    >>> rule = FirstTwice()
    >>> rule.start(3)
    array([1., 1., 1.])
    >>> rule.end_epoch([0.5, 0.4, 0.3])
    array([2., 1., 1.])
    """

    learns_log_variance = False
    needs_grad_norms = False
    backends: tuple[str, ...] | None = None
    # The shipped loss-only rules also write their end_epoch in Keras ops,
    # ``_end_epoch_ops(losses, previous, seen, ops) -> multipliers`` (this
    # epoch's losses, the last epoch's, the number of epochs before this one
    # in this fit), so that skweight's compiled loop runs every epoch in one
    # call (skweight/_engine/_trainer.py); end_epoch still runs after the fit
    # and keeps the rule's state. Used only where the class that defines it
    # also defines end_epoch (see graph_end_epoch).
    _end_epoch_ops = None

    def start(self, n_outputs):
        """Validate the options, reset the state; return the first multipliers.

        Parameters
        ----------
        n_outputs : int
            Number of outputs (loss terms).

        Returns
        -------
        ndarray of shape (n_outputs,)
            Ones: every rule starts from equal weights.
        """
        self._validate_params()
        self.n_outputs_ = int(n_outputs)
        self.losses_ = []
        return np.ones(self.n_outputs_)

    def end_epoch(self, losses, val_losses=None):
        """The multipliers of the next epoch, from this epoch's losses.

        Parameters
        ----------
        losses : array-like of shape (n_outputs,)
            Epoch-mean unweighted training loss of each output, as logged.
        val_losses : array-like of shape (n_outputs,) or None
            The same on the validation data, when there is some.

        Returns
        -------
        ndarray of shape (n_outputs,) or None
            The multipliers of the next epoch, or None for in-step rules
            (their weights live in the train step).
        """
        self.losses_.append(np.asarray(losses, dtype=np.float64))
        return None

    @staticmethod
    def multipliers(log_vars, ops):
        """The loss multipliers ``exp(-s)`` of the log-variances ``s``.

        {{log_vars_parameters}}

        Returns
        -------
        tensor of shape (n_outputs,)
            ``exp(-s)``.
        """
        return ops.exp(-log_vars)

    @staticmethod
    def regularizer(log_vars, ops):
        """The term that keeps ``s`` from growing without bound.

        {{log_vars_parameters}}

        Returns
        -------
        scalar tensor
            ``sum(s) / 2``, added to the optimised loss.
        """
        return 0.5 * ops.sum(log_vars)

    def step(self, multipliers, base, losses, initial_losses, grad_norms, ops):
        """The multipliers after one training step (``needs_grad_norms`` rules).

        {{rule_step_sections}}
        """
        raise NotImplementedError(
            f"{type(self).__name__} sets needs_grad_norms and must implement step."
        )


class InverseLoss(WeightingRule):
    """Weights proportional to 1 / the last epoch's loss, summing to n_outputs.

    ``m_k(t) = K * (1 / L_k(t-1)) / sum_j (1 / L_j(t-1))`` where ``L_k`` is the
    epoch-mean unweighted loss of output k on the validation data when there
    is some, else on the training data; ``m = 1`` in the first epoch. Each term
    ``m_k * L_k`` of the next epoch then starts near the same value: the common
    recipe to stop one output's loss from dominating.

    Examples
    --------
    >>> from skweight.weighting import InverseLoss
    >>> rule = InverseLoss()
    >>> rule.start(2)
    array([1., 1.])
    >>> rule.end_epoch([0.5, 1.5])
    array([1.5, 0.5])
    """

    def end_epoch(self, losses, val_losses=None):
        super().end_epoch(losses, val_losses)
        source = losses if val_losses is None else val_losses
        inverse = 1.0 / np.maximum(np.asarray(source, dtype=np.float64), _TINY_LOSS)
        return self.n_outputs_ * inverse / inverse.sum()

    def _end_epoch_ops(self, losses, previous, seen, ops):
        inverse = 1.0 / ops.maximum(losses, _TINY_LOSS)
        return losses.shape[0] * inverse / ops.sum(inverse)


class DWA(WeightingRule):
    """Dynamic Weight Average (Liu, Johns and Davison, CVPR 2019).

    ``m_k(t) = K * softmax_k(w(t-1) / T)`` with ``w_k(t-1) = L_k(t-1) /
    L_k(t-2)``, the ratio of the epoch-mean unweighted training losses of the
    last two epochs; ``m = 1`` in the first two epochs. An output whose loss
    falls more slowly gets more weight.

    Parameters
    ----------
    temperature : float, default=2.0
        ``T``; larger values give weights closer to equal.

    Examples
    --------
    >>> from skweight.weighting import DWA
    >>> rule = DWA(temperature=2.0)
    >>> rule.start(2)
    array([1., 1.])
    >>> rule.end_epoch([1.0, 1.0])
    array([1., 1.])
    >>> rule.end_epoch([0.5, 1.0]).round(3)
    array([0.876, 1.124])
    """

    _parameter_checks = {"temperature": positive()}

    def __init__(self, temperature: float = 2.0) -> None:
        self.temperature = temperature

    def end_epoch(self, losses, val_losses=None):
        super().end_epoch(losses, val_losses)
        if len(self.losses_) < 2:
            return np.ones(self.n_outputs_)
        previous, last = self.losses_[-2], self.losses_[-1]
        ratio = last / np.maximum(previous, _TINY_LOSS)
        z = ratio / self.temperature
        z = np.exp(z - z.max())
        return self.n_outputs_ * z / z.sum()

    def _end_epoch_ops(self, losses, previous, seen, ops):
        z = losses / ops.maximum(previous, _TINY_LOSS) / self.temperature
        z = ops.exp(z - ops.max(z))
        weights = losses.shape[0] * z / ops.sum(z)
        return ops.where(seen >= 1, weights, ops.ones_like(losses))


class Uncertainty(WeightingRule):
    """Homoscedastic uncertainty weighting (Kendall, Gal and Cipolla, CVPR 2018).

    Each output k has a learned log-variance ``s_k = log sigma_k**2``
    (initialised at 0), trained with the network on the loss
    ``sum_k exp(-s_k) * L_k + s_k / 2`` (the paper's form for classification
    outputs, ``L_k / sigma_k**2 + log sigma_k``). The multiplier is
    ``m_k = exp(-s_k)``; it changes at every step.

    Examples
    --------
    >>> from skweight.weighting import Uncertainty
    >>> Uncertainty().start(3)
    array([1., 1., 1.])
    """

    learns_log_variance = True


@fill_doc
class GradNorm(WeightingRule):
    """GradNorm (Chen, Badrinarayanan, Lee and Rabinovich, ICML 2018).

    At every step, with ``g_k`` the norm of the gradient of output k's
    unweighted loss with respect to the weights of the last shared layer,
    ``G_k = lambda_k * g_k`` and ``r_k = (L_k / L_k(0)) / mean_j(L_j /
    L_j(0))`` (``L_k(0)``: the first step's loss), the multipliers take one
    gradient step on ``sum_k |G_k - mean(G) * r_k**alpha| / mean(G)`` (the
    target ``mean(G) * r**alpha`` held constant, as in the paper; dividing by
    ``mean(G)`` makes ``learning_rate`` independent of the gradient scale),
    are kept positive and are renormalised to sum to n_outputs. The network
    itself is trained on ``sum_k lambda_k * L_k``.

    Parameters
    ----------
    alpha : float, default=1.5
        Strength of the pull towards equal training rates.
    learning_rate : float, default=0.025
        Step size of the multipliers.
    shared_layer : str or None, default=None
        Name of the last shared layer; None finds it: the last layer with
        trainable weights that every output depends on.

    Examples
    --------
    >>> from skweight.weighting import GradNorm
    >>> GradNorm(alpha=1.0).start(2)
    array([1., 1.])
    """

    needs_grad_norms = True
    # Per-output gradients inside the train step need the backend's own
    # autodiff; Keras' JAX train step is a pure function of the whole state.
    backends = ("tensorflow", "torch")

    _parameter_checks = {
        "alpha": positive(strict=False),
        "learning_rate": positive(),
        "shared_layer": check_optional_str,
    }

    def __init__(self, alpha: float = 1.5, learning_rate: float = 0.025,
                 shared_layer: str | None = None) -> None:
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.shared_layer = shared_layer

    def step(self, multipliers, base, losses, initial_losses, grad_norms, ops):
        """One GradNorm update of the multipliers.

        {{rule_step_sections}}
        """
        multipliers, base, losses, initial_losses, grad_norms = (
            ops.convert_to_tensor(a, "float32")
            for a in (multipliers, base, losses, initial_losses, grad_norms)
        )
        n = ops.cast(ops.shape(multipliers)[0], multipliers.dtype)
        g_weighted = base * multipliers * grad_norms
        g_mean = ops.mean(g_weighted) + _TINY_LOSS
        ratio = losses / ops.maximum(initial_losses, _TINY_LOSS)
        rate = ratio / (ops.mean(ratio) + _TINY_LOSS)
        target = g_mean * ops.power(rate, self.alpha)
        grad = ops.sign(g_weighted - target) * base * grad_norms / g_mean
        new = ops.maximum(multipliers - self.learning_rate * grad, 1e-3)
        return n * new / ops.sum(new)


# One registry of names; adding a rule is adding one entry.
#: The weighting rules by name: ``{"inverse_loss": InverseLoss, "dwa": DWA,
#: "uncertainty": Uncertainty, "gradnorm": GradNorm}``.
RULES = {
    "inverse_loss": InverseLoss,
    "dwa": DWA,
    "uncertainty": Uncertainty,
    "gradnorm": GradNorm,
}


def graph_end_epoch(rule):
    """The rule's ``end_epoch`` in Keras ops, or None.

    None unless the class that defines ``end_epoch`` defines
    ``_end_epoch_ops`` too: a subclass that changes ``end_epoch`` alone is
    not run by an inherited graph version of its parent's.
    """
    def owner(name):
        return next(c for c in type(rule).__mro__ if name in vars(c))

    if rule._end_epoch_ops is None or owner("end_epoch") is not owner(
            "_end_epoch_ops"):
        return None
    return rule._end_epoch_ops


def check_weighting(weighting: str | WeightingRule) -> WeightingRule:
    """A fresh, unstarted copy of the rule named or given by ``weighting``.

    Parameters
    ----------
    weighting : str or WeightingRule
        A name from :data:`RULES` or a rule object (copied with
        :func:`sklearn.base.clone`, never modified).

    Returns
    -------
    WeightingRule
        A new rule object, with the given options and no training state.

    Examples
    --------
    >>> from skweight.weighting import check_weighting
    >>> check_weighting("dwa")
    DWA()
    """
    if isinstance(weighting, str):
        if weighting not in RULES:
            raise ValueError(
                f"weighting must be one of {sorted(RULES)} or a WeightingRule. "
                f"Got {weighting!r} instead." + did_you_mean(weighting, RULES)
            )
        return RULES[weighting]()
    if isinstance(weighting, WeightingRule):
        return clone(weighting)
    raise TypeError(
        f"weighting must be a str among {sorted(RULES)} or a WeightingRule "
        f"object. Got {weighting!r} of type {type(weighting).__name__} instead."
    )
