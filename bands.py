"""Percentile bands: how many values (a layer's weights, biases, activations) spread, step after step.

At each measurement, 8 percentiles of all the values (PERCENTILES: min, 10, 25, 40, 60, 75, 90, max) bound
7 bands, drawn as 4 nested shades over the training steps (min-max, 10-90, 25-75, 40-60): where they nest,
the shades add up. The lessons compute the 8 numbers in their graph (percentiles_in_graph(): one small
tensor to fetch instead of every value), or percentile_bands() from NumPy values; draw_bands() draws them
(the dashboard's band panels, compare_runs.py --bands) and band_key() says which shade spans what.
"""

import numpy as np

from graphmode import tf  # the TensorFlow a lesson started (percentiles_in_graph): importing it loads nothing

PERCENTILES = (0, 10, 25, 40, 60, 75, 90, 100)  # 8 edges: 7 bands from min to max
BAND_COLOUR, BAND_ALPHA = "tab:blue", 0.25  # each band a light shade: where they nest, the shades add up
BAND_SAMPLE = 4096  # the inner percentiles: of all the values up to this many, else of a fixed sample


def percentile_bands(values):
    """The 8 percentiles PERCENTILES of all values (any shape), which bound 7 bands from min to max."""
    return np.percentile(np.ravel(values), PERCENTILES).astype(np.float32)


def percentiles_in_graph(tensors, sample=BAND_SAMPLE):
    """The 8 percentiles PERCENTILES (min, 10, 25, 40, 60, 75, 90, max) of all the
    values of `tensors`, computed in the graph: one [8] tensor to fetch instead of every value.

    min and max are exact. The six inner percentiles are exact for up to `sample` values (interpolated
    between the two nearest ranks, as numpy.percentile does); above that, they are those of `sample` values
    picked at fixed random positions (the same ones at every measurement, so the bands move only when the
    values do). 4,096 values place a percentile within about half a percentile of rank, a sliver of a pixel
    on the panel; numpy.percentile over the 180,000 weights of lesson 2.2 cost 5.4 ms every 10 steps, more
    than the lesson's own training steps in between, and this costs a tenth of that.
    """
    values = tf.concat([tf.reshape(t, [-1]) for t in tensors], 0)  # [n] all the values
    count = tf.size(values)
    positions = tf.constant(np.random.default_rng(0).random(sample), tf.float32)  # [sample] in [0, 1)
    picked = tf.cond(
        count > sample,
        lambda: tf.gather(values, tf.cast(positions * tf.cast(count, tf.float32), tf.int32)),
        lambda: values,
    )  # [m]: min(n, sample) values
    last = tf.cast(tf.size(picked) - 1, tf.float32)
    inner = []
    for percentile in PERCENTILES[1:-1]:
        rank = percentile / 100 * last  # between two whole ranks
        below = tf.floor(rank)
        above = tf.minimum(below + 1, last)
        low, high = (
            tf.raw_ops.NthElement(input=picked, n=tf.cast(r, tf.int32))  # the r-th smallest value:
            for r in (below, above)
        )  # a partial sort, no full one
        inner.append(low + (rank - below) * (high - low))
    return tf.stack([tf.reduce_min(values)] + inner + [tf.reduce_max(values)])  # [8]


def draw_bands(ax, steps, percentiles, limits=None, bands=None):
    """The 7 nested percentile bands (min-max, 10-90, 25-75, 40-60) of values over training steps, one
    collection of 4 shapes: where they nest, their shades add up.
    percentiles: [points, 8] (PERCENTILES at each step); limits: a fixed (low, high) y range, or None to follow
    the values; bands: the collection drawn before, whose outlines are moved in place (the live dashboard:
    no new artist at each picture). Returns the collection."""
    from matplotlib.collections import PolyCollection

    values = np.asarray(percentiles, np.float32).reshape(-1, len(PERCENTILES))
    steps = np.asarray(steps, np.float32)
    outlines = [
        np.concatenate(
            [
                np.stack([steps, values[:, k]], 1),  # along its lower edge,
                np.stack([steps, values[:, -1 - k]], 1)[::-1],
            ]
        )  # back along its upper edge
        for k in range(len(PERCENTILES) // 2)
    ]  # min-max, 10-90, 25-75, 40-60
    if bands is None:
        bands = ax.add_collection(PolyCollection(outlines, facecolors=BAND_COLOUR, alpha=BAND_ALPHA, lw=0))
        ax.autoscale_view(scaley=False)
    else:
        bands.set_verts(outlines)
    if limits is not None:
        if tuple(ax.get_ylim()) != tuple(limits):
            ax.set_ylim(*limits)
    elif len(values):
        low, high = float(values.min()), float(values.max())
        margin = 0.05 * (high - low) + 1e-6
        ax.set_ylim(low - margin, high + margin)
    return bands


def band_key(figure, x, y):
    """The key of the band panels, in one row at (x, y) of the figure: which percentiles each shade spans
    (the nested shades add up)."""
    from matplotlib.patches import Patch

    names = ("min to max", "10% to 90%", "25% to 75%", "40% to 60%")
    handles = [Patch(color=BAND_COLOUR, alpha=1 - (1 - BAND_ALPHA) ** (k + 1), lw=0) for k in range(len(names))]
    return figure.legend(
        handles,
        names,
        loc="lower left",
        bbox_to_anchor=(x, y),
        ncol=len(names),
        fontsize=8,
        frameon=False,
        title="bands: percentiles of the values",
        title_fontsize=8,
        alignment="left",
    )
