"""Pipelines: the model registry, classical learners and deep learners."""

from harbench.models import builtin  # noqa: F401  (registers the built-in pipelines)
from harbench.models.base import WindowClassifier
from harbench.models.plugins import load_plugins
from harbench.models.registry import (
    PipelineContext,
    describe,
    make_pipeline,
    pipeline_ids,
    register_feature_set,
    register_learner,
    register_model,
)

load_plugins()  # third-party pipelines from the ``harbench.models`` entry-point group

__all__ = [
    "PipelineContext", "WindowClassifier", "describe", "make_pipeline", "pipeline_ids", "register_feature_set",
    "register_learner", "register_model",
]
