"""The processor a deep result was computed on is named by model and instruction-set tier."""

from __future__ import annotations

import pytest

from harbench import hardware

ZEN5 = "fpu avx sse4_1 avx2 fma avx512f avx512dq avx512bw avx512vl avx512_vnni avx512_bf16 avx_vnni"
SAPPHIRE_RAPIDS = ZEN5 + " amx_tile amx_bf16 amx_int8"
HASWELL = "fpu sse4_1 avx avx2 fma"


@pytest.fixture
def cpuinfo(monkeypatch):
    """Answer `hardware._cpuinfo_field` from a dict, with the caches cleared around the test."""
    fields: dict[str, str] = {}
    monkeypatch.setattr(hardware, "_cpuinfo_field", fields.get)
    hardware.cpu_model.cache_clear()
    hardware.cpu_instruction_set.cache_clear()
    yield fields
    hardware.cpu_model.cache_clear()
    hardware.cpu_instruction_set.cache_clear()


@pytest.mark.parametrize("flags, tier", [
    (SAPPHIRE_RAPIDS, "avx512_core_amx"), (ZEN5, "avx512_core_bf16"),
    ("avx avx2 fma avx512f avx512dq avx512bw avx512vl", "avx512_core"), (HASWELL, "avx2"), ("sse4_1", "sse41"),
])
def test_the_widest_instruction_set_tier_is_named_as_onednn_names_it(cpuinfo, flags, tier):
    cpuinfo["flags"] = flags
    assert hardware.cpu_instruction_set() == tier


def test_the_device_of_a_cpu_result_names_model_and_tier(cpuinfo, monkeypatch):
    cpuinfo.update({"model name": "AMD EPYC", "flags": ZEN5})
    assert hardware.cpu_description() == "cpu: AMD EPYC (avx512_core_bf16)"
    cpuinfo.clear()  # no /proc/cpuinfo (macOS, Windows): what Python knows
    hardware.cpu_model.cache_clear()
    hardware.cpu_instruction_set.cache_clear()
    monkeypatch.setattr(hardware.platform, "processor", lambda: "arm")
    monkeypatch.setattr(hardware.platform, "machine", lambda: "arm64")
    assert hardware.cpu_description() == "cpu: arm (arm64)"
