"""Evaluation: standard metrics, per-slice metrics and plots of a loaded model (pure)."""
