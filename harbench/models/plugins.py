"""Third-party pipelines, registered through the ``harbench.models`` entry-point group.

A distribution declares, in its packaging metadata::

    [options.entry_points]              # setup.cfg; or [project.entry-points."harbench.models"]
    harbench.models =
        my_model = my_package.models:MyClassifier

The entry point's name becomes the pipeline id and its object must be a `WindowClassifier`
subclass whose constructor takes ``seed``; an entry point may instead name a module whose
import registers pipelines itself (with `register_model`, `register_learner`, ...).
"""

from __future__ import annotations

import inspect
from importlib.metadata import entry_points

from harbench.errors import HarbenchError
from harbench.models.base import WindowClassifier
from harbench.models.registry import pipeline_ids, register_model

GROUP = "harbench.models"


class PluginError(HarbenchError):
    """A ``harbench.models`` entry point could not be loaded or registered."""


def load_plugins() -> list[str]:
    """Load every ``harbench.models`` entry point; return the names registered as pipelines."""
    registered = []
    for entry_point in sorted(entry_points(group=GROUP), key=lambda ep: ep.name):
        where = f"entry point {entry_point.name!r} ({entry_point.value}"
        where += f", from {entry_point.dist.name})" if entry_point.dist else ")"
        try:
            target = entry_point.load()
        except Exception as error:  # a broken plugin must say which one it is
            raise PluginError(f"Cannot load harbench plugin {where}: {type(error).__name__}: {error}. Fix or "
                              "uninstall that package.") from error
        if inspect.ismodule(target):
            continue
        if not (inspect.isclass(target) and issubclass(target, WindowClassifier)):
            raise PluginError(f"harbench plugin {where} must name a WindowClassifier subclass or a module; got "
                              f"{target!r}.")
        if entry_point.name in pipeline_ids():
            raise PluginError(f"harbench plugin {where} would replace the pipeline {entry_point.name!r} that is "
                              "already registered; give the entry point another name.")
        try:
            register_model(entry_point.name)(target)
        except TypeError as error:
            raise PluginError(f"harbench plugin {where}: {error}") from error
        registered.append(entry_point.name)
    return registered
