"""What per-output early stopping costs, against the plain fit.

One process, warm (each workload runs once before it is timed), min of
``--repeats`` runs, built-in network, ``class_weight="balanced"``, on two
tables: the shipped penguins (333 rows, 3 outputs) and the shipped fair
table (6,366 rows, 3 outputs), batch 32:

* fit time: ``early_stopping=True`` with ``n_iter_no_change`` as large as
  ``epochs`` (so that both fits run every epoch) against the plain fit of
  the same epochs, at 1 and 101 epochs, split into a fixed cost and a cost
  per epoch (the early-stopping fit trains on 90 % of the rows and scores the
  other 10 % after every epoch, with the default ``scoring="loss"`` and with
  ``"balanced_accuracy"``);
* ``early_stopping="refit"`` against ``early_stopping=True`` as a user runs
  them (``epochs=300``, the default patience): the refit trains again on
  every row for the latest best epoch count; its time, and the epochs of
  each training;
* predict time on the whole table: a fitted early-stopped estimator whose
  outputs peak at different epochs (one forward pass per distinct best epoch)
  against the plain one, and the memory its kept states take.

Run: ``python benchmarks/bench_early_stopping.py [--repeats 3]``.
"""

import argparse

# skweight first: when it is the one that loads Keras, TensorFlow's start-up
# lines stay quiet (skweight._env.configure_logging).
from skweight import WeightedMultiOutputClassifier

# isort: split
from skweight.datasets import load_fair, load_penguins

# isort: split
from _common import best_time


def fit_times(X, Y, repeats, **params):
    """(fixed cost, cost per epoch) from fits of 1 and 101 epochs."""
    def fit(epochs):
        extra = ({"n_iter_no_change": epochs} if params.get("early_stopping")
                 else {})
        est = WeightedMultiOutputClassifier(
            class_weight="balanced", epochs=epochs, random_state=0,
            **params, **extra)
        return lambda: est.fit(X, Y)

    one = best_time(fit(1), repeats, warm=True)
    many = best_time(fit(101), repeats, warm=True)
    per_epoch = (many - one) / 100
    return one - per_epoch, per_epoch, many


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    tables = {"penguins (333 rows)": load_penguins(return_X_y=True),
              "fair (6,366 rows)": load_fair(return_X_y=True)}
    for table, (X, Y) in tables.items():
        print(f"\n{table}")
        plain = fit_times(X, Y, args.repeats)
        print(f"  {'plain fit':<34} fixed {plain[0] * 1e3:6.1f} ms  "
              f"per epoch {plain[1] * 1e3:6.2f} ms  101 epochs {plain[2]:.2f} s "
              "(1x)")
        for scoring in ("loss", "balanced_accuracy"):
            es = fit_times(X, Y, args.repeats, early_stopping=True, scoring=scoring)
            print(f"  {'early stopping, ' + scoring:<34} fixed {es[0] * 1e3:6.1f} ms  "
                  f"per epoch {es[1] * 1e3:6.2f} ms  101 epochs {es[2]:.2f} s "
                  f"({es[2] / plain[2]:.2f}x)")
        stopped = WeightedMultiOutputClassifier(
            class_weight="balanced", epochs=300, early_stopping=True,
            random_state=0).fit(X, Y)
        refit = WeightedMultiOutputClassifier(
            class_weight="balanced", epochs=300, early_stopping="refit",
            random_state=0)
        t_stop = best_time(lambda est=stopped, X=X, Y=Y: est.fit(X, Y),
                           args.repeats, warm=True)
        t_refit = best_time(lambda est=refit, X=X, Y=Y: est.fit(X, Y),
                            args.repeats, warm=True)
        first = len(refit.history_[f"{Y.columns[0]}_validation_score"])
        print(f"  {'early stopping, epochs=300':<34} {t_stop:.2f} s (1x), "
              f"{len(stopped.history_['loss'])} epochs on 90 % of the rows")
        print(f"  {'refit':<34} {t_refit:.2f} s ({t_refit / t_stop:.2f}x), "
              f"{first} epochs on 90 % + {len(refit.history_['loss'])} on all rows")
        reference = WeightedMultiOutputClassifier(
            class_weight="balanced", epochs=1, random_state=0).fit(X, Y)
        t_plain = best_time(lambda est=reference, X=X: est.predict_proba(X),
                            args.repeats * 3, warm=True)
        t_es = best_time(lambda est=stopped, X=X: est.predict_proba(X),
                         args.repeats * 3, warm=True)
        kept = stopped._snapshots.weights
        kept_bytes = sum(w.nbytes for state in kept for w in state)
        net_bytes = sum(w.nbytes for w in stopped.model_.get_weights())
        print(f"  best epochs {stopped.best_epoch_.tolist()} of "
              f"{len(stopped.history_['loss'])}: {1 + len(kept)} network state(s) "
              f"predict; kept beside model_: {kept_bytes / 1e3:.0f} kB "
              f"({len(kept)} x the network's {net_bytes / 1e3:.0f} kB)")
        print(f"  predict_proba, all rows: plain {t_plain * 1e3:.1f} ms, "
              f"early-stopped {t_es * 1e3:.1f} ms ({t_es / t_plain:.2f}x)")


if __name__ == "__main__":
    main()
