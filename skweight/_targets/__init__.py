"""What ``y`` is made of: its columns, its outputs, their encodings and weights.

- ``_columns``: the target columns of ``y`` (labels, missing labels, the
  multi-output and multilabel forms) and the per-output scores;
- ``_outputs``: each output's kind, classes, head, loss and decoding
  (``OutputSet``), and the target encoder;
- ``_weights``: class weights per output (strategies,
  ``compute_output_sample_weight``);
- ``_multilabel``: the packed layout of a multilabel target (one sigmoid
  layer) and its losses; ``_views``: one output of a fitted estimator seen as
  a single-output estimator.

NumPy-only where it can be (``import skweight`` and
``compute_output_sample_weight`` load no Keras). Nothing here is public API.
"""
