"""Which processor this is, as far as it decides floating-point results.

Deep-learning frameworks pick their CPU kernels at run time by the processor's vector
instruction set (oneDNN in TensorFlow, XLA's code generation in JAX) and block their loops by
its caches, so a network trained with one seed on two processor models can differ in the last
bits and then in its predictions (measured here: `uci_har`'s ``cnn``, seed 0, same code and
packages: test accuracy 0.9222 on an "Intel(R) Xeon(R) Processor", 0.9139 on an "AMD EPYC").
"""

from __future__ import annotations

import platform
from functools import cache
from pathlib import Path

# oneDNN's names for the x86 instruction-set tiers it dispatches on, widest first, with the
# /proc/cpuinfo flags each needs.
_X86_TIERS = (
    ("avx512_core_amx", ("amx_tile", "amx_bf16", "avx512_bf16")),
    ("avx512_core_bf16", ("avx512_bf16", "avx512_vnni", "avx512bw")),
    ("avx512_core_vnni", ("avx512_vnni", "avx512bw", "avx512vl")),
    ("avx512_core", ("avx512f", "avx512bw", "avx512vl", "avx512dq")),
    ("avx2", ("avx2", "fma")),
    ("avx", ("avx",)),
    ("sse41", ("sse4_1",)),
)


def _cpuinfo_field(name: str) -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.split(":", 1)[0].strip() == name:
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


@cache
def cpu_model() -> str:
    """The processor's model name (``/proc/cpuinfo``'s ``model name``, else what Python says)."""
    return _cpuinfo_field("model name") or platform.processor() or platform.machine()


@cache
def cpu_instruction_set() -> str:
    """The widest vector instruction-set tier of an x86 processor in oneDNN's names
    (``avx512_core_bf16``, ``avx2``, ...); the machine name (``aarch64``, ``arm64``) elsewhere."""
    flags = set((_cpuinfo_field("flags") or "").split())
    for tier, needs in _X86_TIERS:
        if flags.issuperset(needs):
            return tier
    return platform.machine()


def cpu_description() -> str:
    """The processor as a deep result's device: ``cpu: <model> (<instruction set>)``."""
    return f"cpu: {cpu_model()} ({cpu_instruction_set()})"
