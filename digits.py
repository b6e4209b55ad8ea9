"""Digit grids: MNIST digits tiled into one image, the misrecognised ones on red with their labels drawn in.

digit_grid() builds the grids of the dashboard's training and test panels: each digit dark ink on white, a
misrecognised one on red, with the correct label (white, top left) and the predicted label (yellow, top
right) drawn in 3x5 pixel glyphs. The test set is sorted misrecognised first, and recognised_scale() marks
the panel's side: where the red ends reads as the share of the whole test set recognised. Plain NumPy: a
grid costs a few milliseconds, a table look-up per pixel.
"""

import numpy as np

DIGIT = 28  # pixels: an MNIST digit is 28 x 28

# 3x5 pixel glyphs of the digits 0-9, to label misrecognised digits inside the image itself.
_GLYPH_ROWS = {
    0: ("111", "101", "101", "101", "111"),
    1: ("010", "110", "010", "010", "111"),
    2: ("111", "001", "111", "100", "111"),
    3: ("111", "001", "111", "001", "111"),
    4: ("101", "101", "111", "001", "001"),
    5: ("111", "100", "111", "001", "111"),
    6: ("111", "100", "111", "101", "111"),
    7: ("111", "001", "001", "010", "010"),
    8: ("111", "101", "111", "101", "111"),
    9: ("111", "101", "111", "001", "111"),
}
GLYPHS = {
    d: np.kron(np.array([[c == "1" for c in row] for row in rows]), np.ones((2, 2), bool))
    for d, rows in _GLYPH_ROWS.items()
}  # each [10, 6] booleans (3x5 font at 2x)
_GLYPH_STACKS = {
    DIGIT: np.stack([GLYPHS[d] for d in range(10)]),  # tile size -> glyphs: [10, 10, 6] at 2x,
    DIGIT // 2: np.stack([GLYPHS[d][::2, ::2] for d in range(10)]),
}  # [10, 5, 3] in halved tiles

BACKGROUND_OK = np.array([255, 255, 255], np.float32)
BACKGROUND_WRONG = np.array([230, 70, 70], np.float32)
INK = np.array([20, 20, 20], np.float32)
LABEL_CORRECT = np.array([255, 255, 255], np.uint8)
LABEL_PREDICTED = np.array([255, 240, 0], np.uint8)


def _rgba32(rgb):
    """RGB colours [..., 3] as opaque RGBA pixels, one uint32 each (4 bytes in memory order R, G, B, A)."""
    rgb = np.asarray(rgb, np.uint8)
    rgba = np.concatenate([rgb, np.full(rgb.shape[:-1] + (1,), 255, np.uint8)], axis=-1)
    return np.ascontiguousarray(rgba).view(np.uint32)[..., 0]


_INK = np.linspace(0, 1, 256, dtype=np.float32)[:, None]  # [256, 1] ink levels
_INK_ON_BACKGROUNDS = _rgba32(
    np.concatenate([background * (1 - _INK) + INK * _INK for background in (BACKGROUND_OK, BACKGROUND_WRONG)])
)  # [512]: on white, then on red


def digit_grid(images, labels, predictions, columns, rows, misrecognised_first=True, rgba=False):
    """RGB image [rows*28, columns*28, 3] of rows*columns digits, misrecognised ones on red (rgba: RGBA, 4).

    images: [N, 28, 28] or [N, 28, 28, 1] in [0, 1], or as ink_levels() (uint8); or halved, [N, 14, 14] (the
        tiles then 14 pixels, for a panel that shows them smaller than that anyway); labels, predictions: [N].
    misrecognised_first: all N digits are sorted, misrecognised ones first, before the first rows*columns
        are shown (as in the talk: the whole test set sorted, its first 1,000 on screen); else the first ones.
    Returns (image, number of misrecognised digits among all N).
    """
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    wrong_all = labels != predictions  # [N] over all the digits
    order = np.argsort(~wrong_all, kind="stable") if misrecognised_first else np.arange(len(labels))
    shown = order[: rows * columns]  # only these become tiles
    count = len(shown)
    labels, predictions, wrong = labels[shown], predictions[shown], wrong_all[shown]

    # each pixel's colour, from its ink (0 to 1, in 256 levels) and its tile's background: a table look-up,
    # [n, T, T] levels -> [n, T, T] RGBA pixels (one uint32 each), = background * (1 - ink) + INK * ink
    tile = DIGIT // 2 if np.shape(images)[1] == DIGIT // 2 else DIGIT  # T: 28, or 14 halved
    ink = ink_levels(images[shown]).reshape(count, tile, tile)  # [n, T, T]
    levels = ink.astype(np.intp) + 256 * wrong[:, None, None]  # [n, T, T]
    tiles = np.take(_INK_ON_BACKGROUNDS, levels)  # [n, T, T]
    glyphs = _GLYPH_STACKS[tile]  # [10, 5g, 3g]
    height, width = glyphs.shape[1:]
    wrong_tiles = np.flatnonzero(wrong)  # their labels drawn in: correct top left, predicted top right
    for columns_, digits, colour in (
        (slice(1, 1 + width), labels, LABEL_CORRECT),
        (slice(tile - 1 - width, tile - 1), predictions, LABEL_PREDICTED),
    ):
        corner = tiles[wrong_tiles, 1 : 1 + height, columns_]  # [wrong, 5g, 3g]
        corner[glyphs[digits[wrong_tiles].astype(np.intp)]] = _rgba32(colour)
        tiles[wrong_tiles, 1 : 1 + height, columns_] = corner
    grid = np.full((rows * columns, tile, tile), _rgba32([240, 240, 240]), np.uint32)  # grey: no digit
    grid[:count] = tiles
    grid = grid.reshape(rows, columns, tile, tile).transpose(0, 2, 1, 3).reshape(rows * tile, columns * tile)
    image = grid.view(np.uint8).reshape(rows * tile, columns * tile, 4)  # [H, W, 4] RGBA
    return (image if rgba else np.ascontiguousarray(image[..., :3])), int(wrong_all.sum())


def ink_levels(images):
    """Digit images (pixels 0 to 1) as 256 levels of ink (uint8): what digit_grid() colours. Images given as
    levels already (uint8) come back as they are: the test set, converted once, is sorted again at every picture."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images
    return (np.clip(images, 0, 1) * 255 + 0.5).astype(np.uint8)


def halved(images):
    """Digit images at half their size, [N, 14, 14] (each pixel the mean of 2 x 2), as ink levels (uint8)."""
    ink = ink_levels(images).reshape(-1, DIGIT // 2, 2, DIGIT // 2, 2).astype(np.uint16)
    return (ink.sum(axis=(2, 4)) // 4).astype(np.uint8)


def recognised_scale(rows, columns, total, every=5):
    """The test panel's side scale: (row edges, labels) every `every` rows. All `total` test digits are
    sorted misrecognised first, so where the red ends, row r, reads as the share of them recognised."""
    edges = list(range(0, rows + 1, every))
    return [r * DIGIT - 0.5 for r in edges], [f"{100 - 100 * r * columns / total:g}%" for r in edges]
