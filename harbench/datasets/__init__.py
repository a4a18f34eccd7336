"""Datasets: recordings, windows, protocols, and where the data comes from."""

from harbench.datasets.catalog import DatasetSpec, dataset_ids, get_dataset, register_dataset
from harbench.datasets.recording import Recording, Segment
from harbench.datasets.windowing import make_windows
from harbench.datasets.windowset import WindowSet

__all__ = [
    "DatasetSpec", "Recording", "Segment", "WindowSet", "dataset_ids", "get_dataset", "make_windows",
    "register_dataset",
]
