"""Deep learners on raw windows: Keras 3 on TensorFlow (the default) or JAX, chosen with
``KERAS_BACKEND`` (see `harbench.models.deep.backend`); Keras is imported only when a learner
is fitted."""
