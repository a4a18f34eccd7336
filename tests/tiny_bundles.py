"""A one-seed suite on the synthetic HAPT-layout archive, and bundles fitted from it quietly,
for the tests of `harbench.deploy` (use with the ``synthetic_data_dir`` fixture)."""

from pathlib import Path

from harbench.deploy.bundle import BundleInfo
from harbench.deploy.fit import fit_bundle
from harbench.runner.suite import Suite, load_suite
from tests.conftest import SYNTHETIC_ID


def tiny_suite(folder: Path, pipelines: str) -> Suite:
    """Suite ``tiny`` (official split, seed 0) with the pipeline tables of TOML ``pipelines``."""
    path = folder / "tiny.toml"
    path.write_text(f'name = "tiny"\ndatasets = ["{SYNTHETIC_ID}"]\nseeds = [0]\n\n'
                    f'[protocol]\nname = "official"\nval_fraction = 0.25\n\n{pipelines}')
    return load_suite(str(path))


def fit_quietly(suite: Suite, pipeline: str, out: Path) -> BundleInfo:
    """`fit_bundle` into ``out``, with the results store beside it and no log."""
    return fit_bundle(suite, pipeline, out, results_dir=out.parent / "results", log=lambda _: None)
