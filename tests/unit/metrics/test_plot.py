"""The notebook plot of a cancellation-rate report, rendered as a PNG the way the docs save it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sp_cancel.testing import Simulator

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


@pytest.fixture
def axes():
    """A report's plot (seed 3 has cancellations on several days), closed after the test."""
    pyplot = pytest.importorskip("matplotlib.pyplot")
    ax = Simulator(seed=3).client().cancellation_rate().plot()
    yield ax
    pyplot.close(ax.figure)


def test_the_png_has_the_figure_size(axes, tmp_path: Path) -> None:
    """Saved as the docs say, the PNG is the figure's size at its dpi (8 x 4 inches)."""
    image = pytest.importorskip("matplotlib.image")
    path = tmp_path / "rate.png"
    axes.figure.savefig(path, dpi=100)
    height, width = image.imread(path).shape[:2]
    assert (width, height) == (800, 400)


def test_labels_title_and_legend_are_inside_the_figure(axes) -> None:
    """Rotated date labels, axis labels, title and legend all lie within the figure's bounds (nothing clipped)."""
    figure = axes.figure
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    bounds = figure.bbox
    texts = [*axes.get_xticklabels(), axes.xaxis.label, axes.yaxis.label, axes.title]
    assert any(t.get_text() for t in axes.get_xticklabels())
    for text in texts:
        box = text.get_window_extent(renderer)
        assert _inside(box, bounds), text.get_text()
    assert _inside(axes.get_legend().get_window_extent(renderer), bounds)


def _inside(box, bounds) -> bool:
    """``box`` lies within ``bounds`` (one pixel of rounding allowed)."""
    return bool(
        box.x0 >= bounds.x0 - 1 and box.x1 <= bounds.x1 + 1 and box.y0 >= bounds.y0 - 1 and box.y1 <= bounds.y1 + 1
    )


def test_target_and_observed_lines_can_be_told_apart(axes) -> None:
    """The target is a dashed red line and the observed rate a solid one, each with its own legend label."""
    lines = {line.get_label(): line for line in axes.get_lines()}
    target = next(line for label, line in lines.items() if label.startswith("Amazon's target"))
    observed = next(line for label, line in lines.items() if label.startswith("observed"))
    assert target.get_linestyle() != observed.get_linestyle()
    assert target.get_color() != observed.get_color()
    assert observed.get_linestyle() == "-"
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert any(t.startswith("Amazon's target") for t in legend)
    assert any(t.startswith("observed") for t in legend)
