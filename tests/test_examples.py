"""The examples and the demo double as smoke tests."""

import runpy
import sys
from pathlib import Path

import pytest

from skweight.__main__ import main

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_and_saves_its_figure(path, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    out = tmp_path / "figure.png"
    monkeypatch.setattr(sys, "argv", [str(path), "--out", str(out)])
    runpy.run_path(str(path), run_name="__main__")
    if path.name.startswith("plot_"):
        assert out.stat().st_size > 10_000
    else:
        assert not out.exists()


def test_demo_prints_per_output_table(capsys):
    assert main(["--dataset", "penguins", "--splits", "1", "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "per-output (skweight)" in out
    for name in ("species", "island", "sex"):
        assert name in out
