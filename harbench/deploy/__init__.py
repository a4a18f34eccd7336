"""From benchmark to use: fitted pipelines saved as self-describing bundles, run on raw
recordings (`harbench predict`), exported to ONNX and served on a web page."""
