"""Clip features: per-frame shape descriptors (a representation that feeds every (n, T, C)
pipeline) and motion energy / history images with HOG (the motion_history feature set)."""

import numpy as np
import pytest
from sklearn.base import clone

from harbench.datasets.clips import ClipSet
from harbench.errors import InputValidationError
from harbench.features.clip_shape import (
    DESCRIPTORS,
    foreground,
    hu_moments,
    log_scaled,
    shape_descriptors,
)
from harbench.features.hog import hog, hog_length
from harbench.features.motion_history import MotionHistoryFeatures, motion_templates
from harbench.models import PipelineContext, describe, make_pipeline
from harbench.models.registry import component_versions
from harbench.models.representation import RepresentedClassifier

SILHOUETTE = PipelineContext(fs=25.0, channels=("silhouette",), units=("fraction",))
RGB = PipelineContext(fs=25.0, channels=("red", "green", "blue"), units=("0-255",) * 3)
SIL_LAYOUT = (SILHOUETTE.channels, SILHOUETTE.units)
RGB_LAYOUT = (RGB.channels, RGB.units)
COLUMN = DESCRIPTORS.index


def _silhouettes(frames: np.ndarray) -> np.ndarray:
    """(F, H, W) masks as one silhouette clip (1, F, H, W, 1)."""
    return frames[None, ..., None].astype(np.float32)


def _ellipse(height: int, width: int, centre: tuple[float, float], axes: tuple[float, float],
             angle: float = 0.0) -> np.ndarray:
    rows, columns = np.mgrid[0:height, 0:width] + 0.5
    dx, dy = columns - centre[0], rows - centre[1]
    u = dx * np.cos(angle) + dy * np.sin(angle)
    v = -dx * np.sin(angle) + dy * np.cos(angle)
    return ((u / axes[0]) ** 2 + (v / axes[1]) ** 2 <= 1).astype(np.float64)


def _lopsided(height: int, width: int, x: int, y: int, scale: int) -> np.ndarray:
    """An asymmetric shape (an L with a thick foot) at (x, y), ``scale`` pixels per unit."""
    image = np.zeros((height, width))
    image[y:y + 10 * scale, x:x + 3 * scale] = 1
    image[y + 7 * scale:y + 10 * scale, x:x + 7 * scale] = 1
    image[y + 4 * scale:y + 6 * scale, x + 3 * scale:x + 4 * scale] = 1
    return image


def test_a_rectangle_has_its_area_centroid_and_bounding_box():
    frame = np.zeros((40, 60))
    frame[10:30, 15:25] = 1  # rows 10-29, columns 15-24: 20 high, 10 wide
    series = shape_descriptors(_silhouettes(np.stack([frame, frame])), *SIL_LAYOUT)
    assert series.shape == (1, 2, len(DESCRIPTORS)) and series.dtype == np.float32
    values = series[0, 0]
    assert values[COLUMN("area")] == pytest.approx(200 / 2400)
    assert values[COLUMN("centroid_x")] == pytest.approx(20 / 60)
    assert values[COLUMN("centroid_y")] == pytest.approx(20 / 40)
    assert values[COLUMN("bbox_width")] == pytest.approx(10 / 60)
    assert values[COLUMN("bbox_height")] == pytest.approx(20 / 40)
    assert values[COLUMN("bbox_aspect")] == pytest.approx(20 / 30)
    assert values[COLUMN("velocity_x")] == 0 and values[COLUMN("velocity_y")] == 0
    # Hu's first invariant of a rectangle of w x h pixels is (w^2 - 1 + h^2 - 1) / (12 w h)
    _, _, hu = hu_moments(frame)
    assert hu[0] == pytest.approx((10**2 - 1 + 20**2 - 1) / (12 * 200), rel=1e-12)
    assert values[COLUMN("hu_1")] == pytest.approx(-np.log10(hu[0]), rel=1e-5)


def test_an_ellipse_has_the_hu_moments_of_an_ellipse():
    image = _ellipse(80, 100, (50, 40), (30, 12))
    _, centroid, hu = hu_moments(image)
    np.testing.assert_allclose(centroid, [49.5, 39.5], atol=1e-6)  # pixel indices, centre at 49.5 + 0.5
    a, b = 30, 12  # eta20 = a^2 / (4 pi a b), eta02 = b^2 / (4 pi a b)
    assert hu[0] == pytest.approx((a**2 + b**2) / (4 * np.pi * a * b), rel=0.01)
    assert hu[1] == pytest.approx(((a**2 - b**2) / (4 * np.pi * a * b)) ** 2, rel=0.02)


def test_hu_moments_do_not_change_with_translation_scale_or_rotation():
    reference = hu_moments(_lopsided(120, 160, 10, 20, 4))[2]
    moved = hu_moments(_lopsided(120, 160, 90, 60, 4))[2]
    np.testing.assert_allclose(moved, reference, rtol=1e-9, atol=0)
    larger = hu_moments(_lopsided(240, 320, 30, 30, 8))[2]
    np.testing.assert_allclose(log_scaled(larger), log_scaled(reference), atol=0.05)
    turned = hu_moments(np.rot90(_lopsided(120, 160, 10, 20, 4)))[2]  # a quarter turn is exact on a grid
    np.testing.assert_allclose(turned[:6], reference[:6], rtol=1e-9)
    mirrored = hu_moments(_lopsided(120, 160, 10, 20, 4)[:, ::-1])[2]
    np.testing.assert_allclose(mirrored[:6], reference[:6], rtol=1e-9)
    assert mirrored[6] == pytest.approx(-reference[6]), "the seventh invariant changes sign with a reflection"


def test_empty_frames_get_documented_values_and_no_nan():
    frames = np.zeros((5, 30, 40))
    frames[1, 5:15, 10:20] = 1  # centroid (15, 10) in pixel indices
    frames[3, 10:20, 20:30] = 1
    series = shape_descriptors(_silhouettes(frames), *SIL_LAYOUT)[0]
    assert np.isfinite(series).all()
    empty = series[[0, 2, 4]]
    assert (empty[:, COLUMN("area")] == 0).all() and (empty[:, COLUMN("bbox_width")] == 0).all()
    assert (empty[:, COLUMN("bbox_aspect")] == 0.5).all()
    assert (empty[:, [COLUMN(f"hu_{k}") for k in range(1, 8)]] == 0).all()
    x, y = COLUMN("centroid_x"), COLUMN("centroid_y")
    np.testing.assert_allclose(series[[0, 1, 2], x], 15 / 40)  # before the first: the next one's; then held
    np.testing.assert_allclose(series[[3, 4], x], 25 / 40)
    np.testing.assert_allclose(series[[0, 1, 2], y], 10 / 30)
    nothing = shape_descriptors(np.zeros((1, 3, 8, 8, 1), np.float32), *SIL_LAYOUT)[0]
    assert np.isfinite(nothing).all() and (nothing[:, [x, y]] == 0.5).all() and (nothing[:, COLUMN("area")] == 0).all()


def test_rgb_clips_are_described_by_their_foreground_against_the_median_background():
    rng = np.random.default_rng(0)
    background = rng.integers(60, 120, size=(24, 32, 3))
    clip = np.repeat(background[None], 6, axis=0).astype(np.float32)
    for frame in range(6):  # a bright 6 x 4 block walking right, 3 pixels a frame
        clip[frame, 8:14, 3 * frame:3 * frame + 4] = 250
    mask = foreground(clip[None], *RGB_LAYOUT)[0]
    assert mask.shape == (6, 24, 32) and set(np.unique(mask)) == {0.0, 1.0}
    assert (mask.sum(axis=(1, 2)) == 24).all()
    series = shape_descriptors(clip[None], *RGB_LAYOUT)[0]
    np.testing.assert_allclose(series[:, COLUMN("area")], 24 / (24 * 32))
    np.testing.assert_allclose(series[:, COLUMN("velocity_x")], 3 / 32, atol=1e-6)


def test_the_motion_history_of_a_square_moving_right_grows_towards_its_last_position():
    frames = np.zeros((1, 9, 20, 40))
    for index in range(9):
        frames[0, index, 8:12, 2 + 3 * index:6 + 3 * index] = 1
    energy, history = motion_templates(frames, threshold=0.2)
    assert energy.shape == history.shape == (1, 20, 40)
    assert energy[0, 8:12, 2:30].all() and not energy[0, :8].any() and not energy[0, 12:].any()
    assert history.max() == 1.0 and history.min() == 0.0
    profile = history[0, 10]
    stretches = [profile[start:start + 6].mean() for start in range(2, 26, 6)]  # along the path, left to right
    assert np.all(np.diff(stretches) > 0), "more recent motion is further right: the gradient points right"
    assert profile[29] == 1.0 and profile[2] == pytest.approx(1 / 8)
    # a short memory forgets the start of the path
    energy_short, _ = motion_templates(frames, threshold=0.2, tau=2)
    assert not energy_short[0, 10, :15].any() and energy_short[0, 10, 28]


def test_figure_centric_features_ignore_where_and_which_way_a_person_walks():
    frames = np.zeros((9, 36, 60))
    for index in range(9):  # a "person" of two boxes whose arm swings while walking right
        x = 4 + 4 * index
        frames[index, 10:26, x:x + 5] = 1
        frames[index, 12 + index % 3:14 + index % 3, x + 5:x + 9] = 1
    features = MotionHistoryFeatures(("silhouette",), ("fraction",), pixels_per_cell=(6, 6))
    walk = _silhouettes(frames)
    reference = features.fit(walk).transform(walk)
    lower = _silhouettes(np.roll(frames, 6, axis=1))  # the same walk lower in the frame
    np.testing.assert_allclose(features.transform(lower), reference, atol=1e-9)
    leftwards = _silhouettes(frames[:, :, ::-1])  # the same walk mirrored: to the left
    np.testing.assert_allclose(features.transform(leftwards), reference, atol=1e-9)
    fixed = MotionHistoryFeatures(("silhouette",), ("fraction",), pixels_per_cell=(6, 6), align="none", mirror=False)
    assert np.abs(fixed.fit(walk).transform(leftwards) - fixed.transform(walk)).max() > 0.1


def test_hog_bins_an_edge_by_its_gradient_orientation():
    vertical = np.zeros((1, 16, 16))
    vertical[0, :, 8:] = 1
    horizontal = np.swapaxes(vertical, 1, 2)
    features = hog(np.concatenate([vertical, horizontal]), orientations=4, pixels_per_cell=(8, 8),
                   cells_per_block=(2, 2))
    assert features.shape == (2, hog_length((16, 16), 4, (8, 8), (2, 2))) == (2, 16)
    histograms = features.reshape(2, 4, 4)
    assert histograms[0, :, 1:].sum() == 0 and histograms[0, :, 0].sum() > 0  # horizontal gradient: 0 degrees
    assert histograms[1, :, [0, 1, 3]].sum() == 0 and histograms[1, :, 2].sum() > 0  # vertical gradient: 90
    assert hog(np.zeros((3, 16, 16))).shape == (3, 36) and not hog(np.zeros((3, 16, 16))).any()


def _clips(n: int = 36, seed: int = 0, frames: int = 10, rgb: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Three synthetic actions: a tall box walking right, a wide box standing still and a small
    square falling; size, start and speed vary a little."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = np.zeros((n, frames, 24, 32), dtype=np.float32)
    for index, label in enumerate(y):
        row, column = rng.integers(2, 6), rng.integers(2, 6)
        speed = rng.integers(2, 4)
        for frame in range(frames):
            if label == 0:
                X[index, frame, row:row + 12, column + speed * frame:column + speed * frame + 4] = 1
            elif label == 1:
                X[index, frame, row + 6:row + 10, column:column + 14 + (frame % 2)] = 1
            else:
                X[index, frame, row + speed * frame // 2:row + speed * frame // 2 + 5, column + 10:column + 15] = 1
    X += (rng.random(X.shape) < 0.01).astype(np.float32)  # specks
    X = np.clip(X, 0, 1)
    X = np.repeat(X[..., None] * 200 + 30, 3, axis=-1).astype(np.uint8) if rgb else X[..., None]
    return X, np.array(["walk", "stand", "fall"])[y]


# minirocket on shape descriptors is measured on Weizmann; its numba compilation is too slow for here
CLIP_PIPELINES = [("handcrafted+svm", {"representation": "shape_descriptors"}),
                  ("motion_history+svm", {"features": {"pixels_per_cell": [4, 4]}}),
                  ("motion_history+random_forest", {"learner": {"n_estimators": 50}})]


@pytest.mark.parametrize(("pipeline_id", "config"), CLIP_PIPELINES)
def test_clip_pipelines_fit_and_predict_tiny_silhouette_clips(pipeline_id, config):
    X, y = _clips()
    pipeline = make_pipeline(pipeline_id, SILHOUETTE, 0, config)
    assert pipeline.input_rank == 5
    pipeline.fit(X, y)
    X_test, y_test = _clips(18, seed=1)
    predictions = pipeline.predict(X_test)
    assert predictions.shape == (18,) and (predictions == y_test).mean() > 0.6
    again = make_pipeline(pipeline_id, SILHOUETTE, 0, config).fit(X, y)
    np.testing.assert_array_equal(again.predict(X_test), predictions)
    assert describe(clone(pipeline)) == describe(pipeline)
    with pytest.raises(InputValidationError, match="fitted on clips of 10 frames x 24 x 32 pixels x 1 channels"):
        pipeline.predict(X_test[:, :6])
    with pytest.raises(InputValidationError, match="clips of shape"):
        pipeline.predict(X_test[:, :, :, :, 0])


def test_rgb_clips_feed_the_same_pipelines():
    X, y = _clips(rgb=True)
    for pipeline_id, config in (("handcrafted+svm", {"representation": "shape_descriptors"}),
                                ("motion_history+svm", {"features": {"pixels_per_cell": [4, 4]}})):
        pipeline = make_pipeline(pipeline_id, RGB, 0, config).fit(X, y)
        X_test, y_test = _clips(18, seed=1, rgb=True)
        assert (pipeline.predict(X_test) == y_test).mean() > 0.6, pipeline_id


def test_a_represented_feature_pipeline_is_built_for_the_descriptor_channels_and_keyed_by_both():
    pipeline = make_pipeline("handcrafted+svm", SILHOUETTE, 0, {"representation": "shape_descriptors"})
    assert isinstance(pipeline, RepresentedClassifier)
    assert tuple(pipeline.model.features.channels) == DESCRIPTORS
    assert pipeline.channels == ("silhouette",)
    versions = component_versions("handcrafted+svm", pipeline)
    assert set(versions) == {"pipeline:features+learner", "features:handcrafted", "learner:svm",
                             "wrapper:representation", "representation:shape_descriptors"}
    model = make_pipeline("minirocket", SILHOUETTE, 0, {"representation": "shape_descriptors"})
    assert set(component_versions("minirocket", model)) == {"model:minirocket", "wrapper:representation",
                                                            "representation:shape_descriptors"}


def test_existing_representations_and_pipelines_keep_their_keys():
    context = PipelineContext(fs=50.0, channels=("acc_x", "acc_y", "acc_z"), units=("g", "g", "g"))
    model = make_pipeline("minirocket", context, 0, {"representation": "body_acceleration"})
    assert model.input_rank == 3 and describe(model)["params"]["channels"] == ["acc_x", "acc_y", "acc_z"]
    assert component_versions("minirocket", model) == {"model:minirocket": 1, "wrapper:representation": 1,
                                                       "representation:body_acceleration": 1}
    plain = make_pipeline("handcrafted+svm", context, 0)
    assert describe(plain) == describe(make_pipeline("handcrafted+svm", context, 0, {"representation": "raw"}))
    assert plain.input_rank == 3


def test_mismatched_inputs_and_representations_are_refused_with_their_names():
    X, y = _clips(12)
    with pytest.raises(InputValidationError, match="must be windows of shape"):
        make_pipeline("handcrafted+svm", SILHOUETTE, 0).fit(X, y)
    with pytest.raises(InputValidationError, match="representation 'shape_descriptors' gives"):
        make_pipeline("motion_history+svm", SILHOUETTE, 0, {"representation": "shape_descriptors"})
    with pytest.raises(InputValidationError, match="must be clips of shape"):
        make_pipeline("motion_history+svm", SILHOUETTE, 0).fit(X[:, :, :, 0, 0], y)
    with pytest.raises(InputValidationError, match=r"units among \['0-255', 'fraction'\]"):
        shape_descriptors(X, ("depth",), ("mm",))
    with pytest.raises(InputValidationError, match="frames >= 2"):
        MotionHistoryFeatures(("silhouette",), ("fraction",)).fit(X[:, :1])


def test_a_fitted_represented_clip_pipeline_saves_and_loads(tmp_path):
    X, y = _clips()
    pipeline = make_pipeline("handcrafted+svm", SILHOUETTE, 0, {"representation": "shape_descriptors"}).fit(X, y)
    pipeline.save_fitted(tmp_path)
    loaded = make_pipeline("handcrafted+svm", SILHOUETTE, 0, {"representation": "shape_descriptors"}
                           ).load_fitted(tmp_path)
    X_test, _ = _clips(9, seed=2)
    np.testing.assert_array_equal(loaded.predict(X_test), pipeline.predict(X_test))


def test_a_clipset_splits_and_feeds_a_clip_pipeline():
    X, y = _clips(27)
    classes = ("fall", "stand", "walk")
    clips = ClipSet(name="synthetic_clips", X=X, y=np.searchsorted(classes, y), classes=classes,
                    channels=SILHOUETTE.channels, units=SILHOUETTE.units, fs=25.0,
                    subjects=np.arange(27) % 9 + 1, sessions=np.array([f"clip{i}" for i in range(27)]),
                    starts=np.zeros(27, dtype=np.int64), fingerprint="synthetic")
    train = clips.subset(np.flatnonzero(clips.subjects <= 6))
    test = clips.subset(np.flatnonzero(clips.subjects > 6))
    pipeline = make_pipeline("motion_history+svm", PipelineContext(clips.fs, clips.channels, clips.units), 0,
                             {"features": {"pixels_per_cell": [4, 4]}}).fit(train.X, train.y)
    assert (pipeline.predict(test.X) == test.y).mean() > 0.6
