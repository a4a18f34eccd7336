"""The pipelines that ship with harbench, registered under their ids.

Classical learners take feature rows; their defaults are the usual published ones and each
declares the grid of its optional inner grouped-CV search (``search = true`` in a suite).
"""

from __future__ import annotations

from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC, LinearSVC

from harbench.features.handcrafted import HandcraftedFeatures
from harbench.features.motion_history import MotionHistoryFeatures
from harbench.features.skeleton import SkeletonFeatures
from harbench.features.tsfresh_set import TsfreshFeatures, check_parameters
from harbench.models.deep.clip_networks import ConvLSTM2DClassifier, FrameCNNClassifier, LRCNClassifier
from harbench.models.deep.cnn import CNNClassifier
from harbench.models.deep.hybrid import CNNLSTMClassifier, ConvLSTMClassifier, DeepConvLSTMClassifier
from harbench.models.deep.inception_time import InceptionTimeClassifier
from harbench.models.deep.recurrent import BiLSTMClassifier, LSTMClassifier
from harbench.models.deep.resnet import ResNetClassifier
from harbench.models.minirocket import MiniRocketClassifier
from harbench.models.multirocket_hydra import MultiRocketHydraClassifier
from harbench.models.quant import QUANTClassifier
from harbench.models.registry import PipelineContext, register_feature_set, register_learner, register_model
from harbench.models.rocket import RocketClassifier


@register_feature_set("handcrafted")
def handcrafted(context: PipelineContext, gravity_cutoff_hz: float = 0.3, ar_order: int = 4, n_bands: int = 8,
                entropy_bins: int = 10) -> HandcraftedFeatures:
    return HandcraftedFeatures(fs=context.fs, channels=tuple(context.channels), units=tuple(context.units),
                               gravity_cutoff_hz=gravity_cutoff_hz, ar_order=ar_order, n_bands=n_bands,
                               entropy_bins=entropy_bins)


@register_feature_set("tsfresh")
def tsfresh(context: PipelineContext, parameters: str | dict = "efficient", select: bool = True,
            fdr_level: float = 0.05) -> TsfreshFeatures:
    check_parameters(parameters)  # an unknown set or calculator fails when the suite is read
    return TsfreshFeatures(channels=tuple(context.channels), parameters=parameters, select=select,
                           fdr_level=fdr_level)


@register_feature_set("motion_history")
def motion_history(context: PipelineContext, tau: int | None = 8, threshold: float = 0.2, align: str = "xy",
                   mirror: bool = True, orientations: int = 9, pixels_per_cell: tuple[int, int] = (10, 10),
                   cells_per_block: tuple[int, int] = (2, 2)) -> MotionHistoryFeatures:
    """HOG and Hu moments of each clip's motion energy and history images (Bobick & Davis 2001)
    in figure-centric frames; defaults chosen on Weizmann's training persons (`motion_history`)."""
    return MotionHistoryFeatures(channels=tuple(context.channels), units=tuple(context.units), tau=tau,
                                 threshold=threshold, align=align, mirror=mirror, orientations=orientations,
                                 pixels_per_cell=tuple(pixels_per_cell), cells_per_block=tuple(cells_per_block))


@register_feature_set("skeleton")
def skeleton(context: PipelineContext, pyramid: tuple[int, ...] = (2, 4), velocity: bool = True,
             positions: bool = True) -> SkeletonFeatures:
    """Time statistics of normalised joint distances, joint angles and body-frame joint positions
    of Kinect v1 skeletons; defaults chosen on UTD-MHAD's training subjects (`skeleton`)."""
    return SkeletonFeatures(channels=tuple(context.channels), pyramid=tuple(pyramid), velocity=velocity,
                            positions=positions)


@register_learner("svm", needs_scaling=True, search_grid={"C": [1.0, 10.0, 100.0], "gamma": ["scale", 1e-3, 1e-2]})
def svm(seed: int, C: float = 10.0, gamma: str | float = "scale") -> SVC:
    """RBF support vector machine on standardised features (Anguita et al. 2013, ESANN, ~96 % on UCI HAR)."""
    return SVC(kernel="rbf", C=C, gamma=gamma, random_state=seed)


@register_learner("linear_svm", needs_scaling=True, search_grid={"C": [0.01, 0.1, 1.0, 10.0]})
def linear_svm(seed: int, C: float = 0.1, max_iter: int = 10_000) -> LinearSVC:
    """Linear SVM, one-vs-rest (Fan et al. 2008, LIBLINEAR, JMLR 9:1871-1874)."""
    return LinearSVC(C=C, max_iter=max_iter, random_state=seed)


@register_learner("random_forest", needs_scaling=False,
                  search_grid={"max_features": ["sqrt", 0.1, 0.3], "min_samples_leaf": [1, 3]})
def random_forest(seed: int, n_estimators: int = 300, max_features: str | float = "sqrt",
                  min_samples_leaf: int = 1, n_jobs: int = -1) -> RandomForestClassifier:
    """Random forest (Breiman 2001, Machine Learning 45:5-32)."""
    return RandomForestClassifier(n_estimators=n_estimators, max_features=max_features,
                                  min_samples_leaf=min_samples_leaf, n_jobs=n_jobs, random_state=seed)


@register_learner("xgboost", needs_scaling=False,
                  search_grid={"max_depth": [4, 6, 8], "learning_rate": [0.05, 0.1, 0.3]})
def xgboost(seed: int, n_estimators: int = 200, max_depth: int = 6, learning_rate: float = 0.1,
            subsample: float = 0.8, colsample_bytree: float = 0.8, n_jobs: int = -1):
    """Gradient-boosted trees with histogram splits (Chen & Guestrin 2016, KDD, XGBoost)."""
    from xgboost import XGBClassifier

    return XGBClassifier(n_estimators=n_estimators, max_depth=max_depth, learning_rate=learning_rate,
                         subsample=subsample, colsample_bytree=colsample_bytree, tree_method="hist",
                         n_jobs=n_jobs, random_state=seed)


@register_learner("knn", needs_scaling=True,
                  search_grid={"n_neighbors": [3, 5, 9, 15], "weights": ["uniform", "distance"]})
def knn(seed: int, n_neighbors: int = 5, weights: str = "distance") -> KNeighborsClassifier:
    """k-nearest neighbours on standardised features (Cover & Hart 1967, IEEE Trans. Inf. Theory 13:21-27)."""
    return KNeighborsClassifier(n_neighbors=n_neighbors, weights=weights)


@register_learner("logistic_regression", needs_scaling=True, search_grid={"C": [0.01, 0.1, 1.0, 10.0]})
def logistic_regression(seed: int, C: float = 1.0, max_iter: int = 5_000) -> LogisticRegression:
    """Multinomial logistic regression with an L2 penalty (lbfgs)."""
    return LogisticRegression(C=C, max_iter=max_iter, random_state=seed)


register_model("cnn")(CNNClassifier)
register_model("lstm")(LSTMClassifier)
register_model("bilstm")(BiLSTMClassifier)
register_model("cnn_lstm")(CNNLSTMClassifier)
register_model("convlstm")(ConvLSTMClassifier)
register_model("deepconvlstm")(DeepConvLSTMClassifier)
register_model("resnet")(ResNetClassifier)
register_model("inception_time")(InceptionTimeClassifier)
# clip learners (input_rank 5): (n, frames, height, width, channels) clips, e.g. weizmann
register_model("lrcn")(LRCNClassifier)
register_model("convlstm2d")(ConvLSTM2DClassifier)
register_model("frame_cnn")(FrameCNNClassifier)
register_model("minirocket")(MiniRocketClassifier)
register_model("quant")(QUANTClassifier)
register_model("rocket")(RocketClassifier)
register_model("multirocket_hydra")(MultiRocketHydraClassifier)
