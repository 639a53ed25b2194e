"""The training engine behind the estimators: checks, build, compile, train,
commit, predict.

- ``_base``: ``BaseWeightedEstimator``, the fit transaction every estimator
  runs (checks before training, commit after it) and prediction;
- ``_parameters``: the estimators' shared parameters and constructor;
- ``_network`` / ``_build``: the built-in network, a user model's build and
  compile arguments;
- ``_trainer``: the compiled training loop and its cache of traced twins;
  ``_backend``: what differs between TensorFlow, JAX and PyTorch (input
  pipelines, the inference call); ``_callbacks``: skweight's own callbacks;
- ``_early_stopping``: per-output early stopping and best-epoch states;
- ``_model_state``: a network's and its optimizer's state for pickling and
  warm starts; ``_predict``: the fast forward pass.

It sits above ``skweight._targets`` (the outputs and their encodings) and the
shared helpers (``_validation``, ``_typing``, ``_docstrings``, ``_env``,
``_scikeras_compat``), and below the estimator modules (``_classifier``,
``_mixed``, ``_dynamic``). Nothing here is public API.
"""
