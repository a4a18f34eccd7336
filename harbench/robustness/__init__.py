"""Robustness of trained models: seeded perturbations of their test windows."""
