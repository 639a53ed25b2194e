"""Exceptions raised by skweight."""

__all__ = ["NonFiniteLossError"]


class NonFiniteLossError(FloatingPointError):
    """Training diverged: a loss became NaN or infinite.

    Raised by ``fit`` as soon as a logged loss (the total, one output's, or a
    validation loss) stops being finite, instead of returning a network whose
    weights are NaN. The estimator keeps its previous fitted state (or stays
    unfitted).

    A subclass of :class:`FloatingPointError` (itself an
    :class:`ArithmeticError`), the builtin for a floating-point computation
    gone out of range, as NumPy raises under ``np.seterr(all="raise")``: the
    inputs were valid (a bad one raises ``ValueError`` or ``TypeError`` before
    training), the arithmetic of training was not.

    Parameters
    ----------
    message : str
        What diverged, and where.
    output : str or None, default=None
        Name of the output whose loss diverged.
    key : str, default="loss"
        The log key that was not finite.
    epoch : int, default=0
        Zero-based epoch in which it happened.

    Attributes
    ----------
    output : str or None
        Name of the output whose loss diverged (None when only the total did).
    key : str
        The log key that was not finite, e.g. ``"species_loss"``.
    epoch : int
        Zero-based epoch in which it happened.

    Examples
    --------
    >>> from skweight.exceptions import NonFiniteLossError
    >>> issubclass(NonFiniteLossError, FloatingPointError)
    True
    """

    def __init__(self, message, *, output=None, key="loss", epoch=0):
        super().__init__(message)
        self.output = output
        self.key = key
        self.epoch = epoch

    def __reduce__(self):
        # Keeps the attributes across process pools (joblib, loky).
        return (
            _rebuild,
            (self.args[0], self.output, self.key, self.epoch),
        )


def _rebuild(message, output, key, epoch):
    return NonFiniteLossError(message, output=output, key=key, epoch=epoch)
