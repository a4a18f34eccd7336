"""The accuracy-against-fit-time figure names in its legend only what it shows."""

import numpy as np

from harbench.reporting.figures import accuracy_vs_fit_time


def _legend(pipelines, families):
    n = len(pipelines)
    _, ax = accuracy_vs_fit_time(pipelines, families, np.geomspace(1.0, 100.0, n), np.linspace(0.8, 0.9, n),
                                 np.full((2, n), 0.01))
    return [text.get_text() for text in ax.get_legend().get_texts()]


def test_the_legend_lists_the_families_shown_and_no_other():
    assert _legend(["handcrafted+svm", "cnn"], ["classical", "deep"]) == ["classical", "deep"]
    assert _legend(["minirocket", "lstm", "hydra"], ["kernel", "deep", "kernel"]) == ["deep", "kernel"]
    assert _legend(["mine", "cnn"], ["other", "deep"]) == ["deep", "other"]


def test_the_legend_explains_the_line_joining_a_model_to_its_variant_only_when_one_is_drawn():
    assert _legend(["resnet", "resnet@paper"], ["deep", "deep"])[-1] == "a model and its\nvariant (name@variant)"
    assert "a model and its\nvariant (name@variant)" not in _legend(["resnet@paper", "cnn"], ["deep", "deep"])
