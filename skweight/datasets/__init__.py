"""Small real tabular data sets shipped with skweight.

Both loaders return multi-output classification problems with imbalanced
classes and follow the scikit-learn ``load_*`` conventions (``as_frame``,
``return_X_y``, :class:`sklearn.utils.Bunch`). The data are read from CSV
files inside the package; no network access is needed. Sources and licences
are listed in ``skweight/datasets/data/LICENSES.txt``.
"""

from skweight.datasets._loaders import load_fair, load_penguins

__all__ = ["load_fair", "load_penguins"]
