"""Deep learners on raw windows (Keras 3 on the TensorFlow backend, imported lazily)."""
