"""harbench: reproducible human activity recognition benchmarks.

Classical feature-engineering pipelines and deep learners on raw sensor windows, compared
in accuracy, macro-F1 and the time they take to train and to predict, under subject-disjoint
protocols.
"""

__version__ = "0.1.0"
