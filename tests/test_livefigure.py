"""figures and livefigure: where a picture goes, steady axis ranges, and pictures drawn by blitting equal to whole
drawings."""

import numpy as np

import figures
import livefigure
import tensorflowvisu as visu
from test_visu import _fill


def test_display_detection(monkeypatch):
    monkeypatch.setattr(figures.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not figures.display_available()
    monkeypatch.setenv("DISPLAY", ":0")
    assert figures.display_available()


def test_one_place_chooses_where_a_picture_goes(monkeypatch):
    monkeypatch.setattr(figures.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert figures.open_figure((2, 2), "t", "test")[0] == "file"  # no display
    monkeypatch.setattr(figures, "notebook_kernel", lambda: True)
    assert figures.open_figure((2, 2), "t", "test")[0] == "notebook"  # a notebook kernel
    assert figures.open_figure((2, 2), "t", "test", live=False)[0] == "file"  # --save-png


def test_steady_limits_move_seldom_and_hold_the_values():
    limits = livefigure.steady_limits(None, 0.1, 0.95, floor=0.0, ceiling=1.0)
    assert limits == (0.0, 1.0)
    assert livefigure.steady_limits(limits, 0.3, 0.97, floor=0, ceiling=1) == limits  # fits, fills enough: kept
    zoomed = livefigure.steady_limits(limits, 0.88, 0.99, floor=0, ceiling=1)  # fills too little: zoom in
    assert zoomed[0] <= 0.88 and zoomed[1] == 1.0 and zoomed[0] > 0.7
    assert livefigure.steady_limits((0, 100), -5, 50)[0] < -5  # out of range: widened
    moves, current = 0, None
    for loss in np.linspace(230, 20, 200):  # a loss falling smoothly: a handful of changes, not 200
        new = livefigure.steady_limits(current, 0, 1.15 * loss, floor=0)
        assert new[0] <= 0 and new[1] >= 1.15 * loss
        moves += new != current
        current = new
    assert moves <= 4


def test_blitted_pictures_equal_a_whole_drawing(tmp_path):
    """Pictures drawn panel by panel over kept backgrounds are the pictures a whole drawing gives: nothing
    stale left on screen, nothing drawn twice."""
    dashboard = visu.Dashboard("blit", window=False, movie=str(tmp_path / "unused.gif"), watch=True, steps=300)
    _fill(dashboard, steps=300, update=True)
    live = dashboard.live
    assert live.pictures == 31
    blitted = live._pixels().copy()
    live.relayout()
    live.draw(lambda: dashboard.axes)
    whole = live._pixels()
    assert np.array_equal(blitted, whole)
    live.abort()
