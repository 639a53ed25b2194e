"""The process environment skweight sets up when it first loads Keras.

TensorFlow prints start-up lines on import that no setting of the user's
silences: its C++ logging level, ``TF_CPP_MIN_LOG_LEVEL``, does not reach the
``oneDNN custom operations are on`` line, which TensorFlow 2.21 logs through
Abseil before Abseil is initialised (with Abseil's notice ``All log messages
before absl::InitializeLog() is called are written to STDERR``), once from each
of its two libraries that carry a copy of Abseil. So skweight, when it is the
one that imports Keras (and so TensorFlow):

* sets ``TF_CPP_MIN_LOG_LEVEL`` to ``"1"`` (no INFO lines; warnings and errors
  still shown) unless the user has set it;
* holds the import's standard error and writes back every line except the
  Abseil lines below that level and Abseil's notice (at level 0, every line);
* drops TensorFlow's "triggered tf.function retracing" warning when it names
  one of Keras' own train, test or predict step functions: each new Keras
  model traces its own step function once, and TensorFlow counts those first
  traces of distinct models as retracing of one function (it keys its count
  on the function's code), so a loop of fits reads as the user's mistake.

``TF_ENABLE_ONEDNN_OPTS`` is left alone: it changes the numbers computed.
"""

import contextlib
import logging
import os
import re
import sys
import tempfile

__all__ = ["configure_logging"]

# TensorFlow's documented default for skweight: hide INFO, show the rest.
_DEFAULT_TF_LOG_LEVEL = "1"
# An Abseil log line: severity letter, date, time, thread id, file:line].
_ABSL_RECORD = re.compile(r"^([IWEF])\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [^\]]+\] ")
_ABSL_NOTICE = "WARNING: All log messages before absl::InitializeLog() is called"
_SEVERITY = {"I": 0, "W": 1, "E": 2, "F": 3}
# A warning Python writes during the import: "<file>:<line>: <Category>: ...".
_PYTHON_WARNING = re.compile(r"^\S.*:\d+: \w+: ")
_KERAS_STEP_FUNCTION = re.compile(r"<function TensorFlowTrainer\.")


def configure_logging():
    """Set TensorFlow's logging, then import Keras with its start-up lines held.

    Call it right before skweight's first Keras import; it is idempotent and
    does nothing to a Keras the user imported first.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", _DEFAULT_TF_LOG_LEVEL)
    _install_retracing_filter()
    if "keras" in sys.modules:
        return
    with _filtered_stderr(_tf_log_level()):
        try:
            import keras  # noqa: F401
        except ModuleNotFoundError as exc:
            missing = (exc.name or "").partition(".")[0]
            if missing not in _BACKEND_EXTRAS:
                raise
            raise ModuleNotFoundError(_no_backend_message(missing),
                                      name=missing) from exc


# Keras backend (its package's name) -> the skweight extra that installs it.
_BACKEND_EXTRAS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


def _no_backend_message(missing):
    """What to install when Keras' backend package ``missing`` is not there."""
    import importlib.util

    installed = [b for b in _BACKEND_EXTRAS
                 if b != missing and importlib.util.find_spec(b) is not None]
    hint = (f" Installed here: {', '.join(installed)}; select it with "
            f"KERAS_BACKEND={installed[0]}." if installed else "")
    return (
        f"skweight needs a Keras backend, and Keras' backend {missing!r} is not "
        f"installed. Install skweight with a backend as an extra: pip install "
        f"\"skweight[{_BACKEND_EXTRAS[missing]}]\" for this one; the extras are "
        "tensorflow (Keras' default backend), jax and torch, the latter two "
        "selected with KERAS_BACKEND=jax / torch." + hint
    )


def _tf_log_level():
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:
        return 0


class _KerasStepRetracingFilter(logging.Filter):
    """Drop TensorFlow's retracing warning about Keras' per-model step functions."""

    def filter(self, record):
        message = record.getMessage()
        return not (
            "triggered tf.function retracing" in message
            and _KERAS_STEP_FUNCTION.search(message) is not None
        )


def _install_retracing_filter():
    logger = logging.getLogger("tensorflow")
    if not any(isinstance(f, _KerasStepRetracingFilter) for f in logger.filters):
        logger.addFilter(_KerasStepRetracingFilter())


def _kept_lines(text, level):
    """The lines of ``text`` that TensorFlow's log ``level`` lets through."""
    if level <= 0:
        return text
    kept = []
    dropping = False
    for line in text.splitlines(keepends=True):
        record = _ABSL_RECORD.match(line)
        if record:
            dropping = _SEVERITY[record.group(1)] < level
        elif line.startswith(_ABSL_NOTICE):
            continue
        elif _PYTHON_WARNING.match(line):
            dropping = False
        # Other lines continue the record before them (TensorFlow's CPU-feature
        # message spans two lines) and share its fate.
        if not dropping:
            kept.append(line)
    return "".join(kept)


@contextlib.contextmanager
def _filtered_stderr(level):
    """Hold what is written to file descriptor 2 and write back what ``level`` keeps.

    TensorFlow's C++ code writes to the descriptor itself, below ``sys.stderr``.
    """
    try:
        saved = os.dup(2)
    except OSError:  # no standard error to hold
        saved = None
    if saved is None or sys.stderr is None:
        yield
        return
    # Only the descriptor is redirected: ``sys.stderr`` stays the same object,
    # as logging handlers made during the import keep a reference to it.
    with tempfile.TemporaryFile() as held:
        sys.stderr.flush()
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            text = held.read().decode("utf-8", "replace")
            sys.stderr.write(_kept_lines(text, level))
            sys.stderr.flush()
