"""Histograms of oriented gradients of many small grey images at once, in numpy.

Dalal & Triggs (2005), "Histograms of Oriented Gradients for Human Detection", CVPR, as
scikit-image's ``skimage.feature.hog`` computes it (its one-channel path with
``block_norm="L2-Hys"``, ``transform_sqrt=False``), so that its values can be checked against
it: centred gradients [-1, 0, 1] (0 on the border rows and columns), unsigned orientations in
[0, 180) degrees binned without interpolation, each cell's histogram the sum of its pixels'
gradient magnitudes per bin divided by the cell's pixel count (cells tile the image from the
top-left corner; a remainder narrower than a cell is left out), and every block of cells
normalised by L2-Hys (L2, values clipped at 0.2, L2 again; Lowe 2004) and flattened as
(block row, block column, cell row, cell column, orientation).

scikit-image is not a harbench dependency, so this is written here (vectorised over images,
which scikit-image's per-image function is not); its agreement with scikit-image 0.26 was
checked to 1e-6 on Weizmann motion-history images when it was written.
"""

from __future__ import annotations

import numpy as np

L2_HYS_CLIP = 0.2
EPSILON = 1e-5  # scikit-image's


def hog_length(shape: tuple[int, int], orientations: int, pixels_per_cell: tuple[int, int],
               cells_per_block: tuple[int, int]) -> int:
    """How many values `hog` gives for images of ``shape`` (height, width)."""
    cells = [size // cell for size, cell in zip(shape, pixels_per_cell, strict=True)]
    blocks = [max(count - block + 1, 0) for count, block in zip(cells, cells_per_block, strict=True)]
    return blocks[0] * blocks[1] * cells_per_block[0] * cells_per_block[1] * orientations


def _normalised_l2_hys(blocks: np.ndarray) -> np.ndarray:
    """L2-Hys of every block, over its last three axes (cell row, cell column, orientation)."""
    axes = (-3, -2, -1)
    out = blocks / np.sqrt((blocks**2).sum(axis=axes, keepdims=True) + EPSILON**2)
    out = np.minimum(out, L2_HYS_CLIP)
    return out / np.sqrt((out**2).sum(axis=axes, keepdims=True) + EPSILON**2)


def hog(images: np.ndarray, orientations: int = 9, pixels_per_cell: tuple[int, int] = (8, 8),
        cells_per_block: tuple[int, int] = (2, 2)) -> np.ndarray:
    """HOG descriptors (m, `hog_length`) of grey images (m, height, width).

    ``pixels_per_cell`` and ``cells_per_block`` are (rows, columns); an image too small for one
    block gives an empty descriptor.

    Examples
    --------
    >>> image = np.zeros((1, 16, 16))
    >>> image[0, :, 8:] = 1.0  # a vertical edge: horizontal gradients, orientation 0
    >>> features = hog(image, orientations=4, pixels_per_cell=(8, 8), cells_per_block=(2, 2))
    >>> features.shape
    (1, 16)
    >>> [round(float(value), 3) for value in features[0, :4]]  # top-left cell: all in bin 0
    [0.5, 0.0, 0.0, 0.0]
    """
    images = np.asarray(images, dtype=np.float64)
    m, height, width = images.shape
    cell_rows, cell_columns = pixels_per_cell
    block_rows, block_columns = cells_per_block
    n_cell_rows, n_cell_columns = height // cell_rows, width // cell_columns
    gx = np.zeros_like(images)
    gy = np.zeros_like(images)
    gx[:, :, 1:-1] = images[:, :, 2:] - images[:, :, :-2]
    gy[:, 1:-1, :] = images[:, 2:, :] - images[:, :-2, :]
    magnitude = np.hypot(gx, gy)
    orientation = np.rad2deg(np.arctan2(gy, gx)) % 180
    bins = np.minimum((orientation / (180.0 / orientations)).astype(np.int64), orientations - 1)
    crop = (slice(None), slice(0, n_cell_rows * cell_rows), slice(0, n_cell_columns * cell_columns))
    magnitude, bins = magnitude[crop], bins[crop]
    shape = (m, n_cell_rows, cell_rows, n_cell_columns, cell_columns)
    cells = np.stack([np.where(bins == index, magnitude, 0.0).reshape(shape).sum(axis=(2, 4))
                      for index in range(orientations)], axis=-1) / (cell_rows * cell_columns)
    n_block_rows, n_block_columns = n_cell_rows - block_rows + 1, n_cell_columns - block_columns + 1
    if n_block_rows < 1 or n_block_columns < 1:
        return np.zeros((m, 0))
    blocks = np.stack([np.stack([cells[:, row:row + n_block_rows, column:column + n_block_columns]
                                 for column in range(block_columns)], axis=3)
                       for row in range(block_rows)], axis=3)  # (m, block row, block column, row, column, o)
    return _normalised_l2_hys(blocks).reshape(m, -1)
