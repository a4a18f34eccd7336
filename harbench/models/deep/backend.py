"""Which Keras backend the deep learners run on, and how each is made deterministic.

Keras 3 picks its backend once, from ``KERAS_BACKEND``, when ``keras`` is first imported.
harbench's deep learners support two: ``tensorflow`` (the default, as before) and ``jax``.
Keras also offers ``torch``, ``numpy`` and ``openvino``; harbench refuses them before any
work: ``numpy`` and ``openvino`` cannot train, and harbench has no determinism settings or
tests for ``torch``.

Determinism per backend (`make_deterministic`): ``keras.utils.set_random_seed`` seeds Python,
NumPy, the backend and Keras' global seed generator, so a network is initialised, shuffled
and dropped out the same way for a seed on every backend. On TensorFlow, op determinism is
switched on as well (``tf.config.experimental.enable_op_determinism``). On JAX, XLA's CPU
kernels are deterministic as they are, and on a GPU ``--xla_gpu_deterministic_ops=true`` is
added to ``XLA_FLAGS`` when this module is imported with the JAX backend selected (XLA reads
the flags once, so this must happen before JAX starts; importing this module first does it).
A seed gives the same predictions within one backend and device; two backends, a CPU and a
GPU, or two processor models (`harbench.hardware`: kernels are chosen by instruction set and
cache sizes) may differ in the last bits and hence in a few predictions, which is why
`compute_description` belongs in a result's key.

Framework logs: unless ``HARBENCH_FRAMEWORK_LOGS`` is set (to anything but 0), importing this
module sets ``TF_CPP_MIN_LOG_LEVEL=3`` where it is unset, which drops TensorFlow's C++ messages
once absl logging is initialised, among them the ``E0000 ... node_def_util.cc:682] NodeDef
mentions attribute use_unbounded_threadpool`` lines of every Keras fit (TensorFlow 2.21), which
are harmless but read as errors, and raises the ``tensorflow`` Python logger to ``ERROR`` (its
warnings that harbench's repeated fits retrace functions). Lines logged before absl is
initialised ignore the variable; the ``harbench`` command drops those (`harbench.cli`).
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import logging
import os
import sys

from harbench.errors import HarbenchError
from harbench.hardware import cpu_description

DEFAULT_BACKEND = "tensorflow"
SUPPORTED_BACKENDS = ("tensorflow", "jax")
# What to install for each supported backend: the CPU package first, then the accelerator one.
INSTALL_HINTS = {
    "tensorflow": "pip install tensorflow-cpu (CPU) or pip install 'tensorflow[and-cuda]' (NVIDIA GPU)",
    "jax": "pip install 'jax[cpu]' (CPU) or pip install 'jax[cuda12]' (NVIDIA GPU)",
}
_KERAS_ONLY = {
    "torch": "harbench has no determinism settings or tests for it",
    "numpy": "it can only run inference, not train",
    "openvino": "it can only run inference, not train",
}
_JAX_DETERMINISM_FLAG = "--xla_gpu_deterministic_ops=true"


class BackendError(HarbenchError, RuntimeError):
    """``KERAS_BACKEND`` names a backend that harbench does not support or that is not installed."""


def active_backend() -> str:
    """The Keras backend the deep learners use: Keras' own answer once ``keras`` is imported,
    else ``KERAS_BACKEND`` (``tensorflow`` when unset or empty). Imports no framework."""
    if "keras" in sys.modules:
        return sys.modules["keras"].config.backend()
    return os.environ.get("KERAS_BACKEND") or DEFAULT_BACKEND


def require_backend() -> str:
    """The active backend, after checking that harbench supports it and that it is installed.

    Raises
    ------
    BackendError
        Naming the backend, the supported ones and the ``pip install`` command that provides it.
        Checked with ``importlib.util.find_spec``: no framework is imported.
    """
    name = active_backend()
    supported = " and ".join(f"'{backend}'" for backend in SUPPORTED_BACKENDS)
    if name not in SUPPORTED_BACKENDS:
        why = f"Keras offers it, but {_KERAS_ONLY[name]}" if name in _KERAS_ONLY else "Keras has no such backend"
        raise BackendError(
            f"KERAS_BACKEND={name!r} is not supported by harbench's deep learners ({why}). Supported backends: "
            f"{supported} (default 'tensorflow'); set KERAS_BACKEND to one of them, e.g. KERAS_BACKEND=jax."
        )
    missing = [module for module in (name, "keras") if importlib.util.find_spec(module) is None]
    if missing:
        install = INSTALL_HINTS[name] if name in missing else "pip install keras"
        raise BackendError(
            f"KERAS_BACKEND={name!r} needs the Python package(s) {', '.join(missing)}, which are not installed. "
            f"Install with: {install}; or choose the other supported backend ({supported})."
        )
    return name


def make_deterministic(seed: int) -> None:
    """Seed everything a Keras fit draws from and switch on the backend's deterministic kernels."""
    import keras

    keras.utils.set_random_seed(seed)
    if active_backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def compute_description() -> dict:
    """``{"backend": ..., "device": ...}``: what a deep result was computed with.

    ``device`` names the processor when the backend computes on the CPU
    (`harbench.hardware.cpu_description`, e.g. ``"cpu: AMD EPYC (avx512_core_bf16)"``; results
    stored before harbench told processors apart say ``"cpu"``), else the accelerator's name
    as its framework reports it (e.g. ``"NVIDIA H100 80GB HBM3"``). The backend name costs
    nothing. Where only a CPU build of the framework is installed (``tensorflow-cpu``, or
    ``jax`` without a CUDA or ROCm plugin) the device is the processor without importing anything,
    so planning a run whose cells are all stored imports no framework; otherwise the framework
    is asked (TensorFlow about 4 s to import on a small CPU, JAX under 1 s). Keras itself is
    not imported. The answer is cached per backend for the process.
    """
    backend = require_backend()
    return {"backend": backend, "device": _device(backend)}


def _cpu_build_only(backend: str) -> bool:
    """Whether the installed framework of ``backend`` can only compute on the CPU, read from
    the installed distributions' names (no import)."""
    installed = {(dist.metadata["Name"] or "").lower().replace("_", "-") for dist in importlib.metadata.distributions()}
    if backend == "tensorflow":
        return "tensorflow-cpu" in installed and "tensorflow" not in installed
    return not any(name.startswith(("jax-cuda", "jax-rocm", "jaxlib-cuda")) for name in installed)


@functools.cache
def _device(backend: str) -> str:
    if _cpu_build_only(backend):
        return cpu_description()
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        return cpu_description() if device.platform == "cpu" else str(device.device_kind)
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return cpu_description()
    details = tf.config.experimental.get_device_details(gpus[0])
    return str(details.get("device_name", gpus[0].name))


def _configure_environment() -> None:
    """Run once at import, before Keras or JAX is imported by the deep learners."""
    if os.environ.get("HARBENCH_FRAMEWORK_LOGS", "") in ("", "0"):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        logging.getLogger("tensorflow").setLevel(logging.ERROR)
    if not os.environ.get("KERAS_BACKEND"):
        os.environ["KERAS_BACKEND"] = DEFAULT_BACKEND
    if os.environ["KERAS_BACKEND"] == "jax" and _JAX_DETERMINISM_FLAG not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_JAX_DETERMINISM_FLAG}".strip()


_configure_environment()
