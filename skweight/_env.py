"""The process environment skweight sets before Keras is first imported."""

import os

__all__ = ["configure_logging"]


def configure_logging():
    """Quiet TensorFlow's C++ start-up logs unless the user chose a level."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
