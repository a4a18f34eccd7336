"""The pipelines that ship with harbench, registered under their ids."""

from __future__ import annotations

from sklearn.svm import SVC

from harbench.features.handcrafted import DEFAULT_BAND_EDGES_HZ, HandcraftedFeatures
from harbench.models.deep.cnn import CNNClassifier
from harbench.models.registry import PipelineContext, register_feature_set, register_learner, register_model


@register_feature_set("handcrafted")
def handcrafted(context: PipelineContext, band_edges_hz: tuple[float, ...] = DEFAULT_BAND_EDGES_HZ
                ) -> HandcraftedFeatures:
    return HandcraftedFeatures(fs=context.fs, channels=tuple(context.channels), band_edges_hz=tuple(band_edges_hz))


@register_learner("svm", needs_scaling=True)
def svm(seed: int, C: float = 10.0, gamma: str | float = "scale") -> SVC:
    """RBF support vector machine on standardised features, as in Anguita et al. (2013, ESANN)."""
    return SVC(kernel="rbf", C=C, gamma=gamma, random_state=seed)


register_model("cnn")(CNNClassifier)
