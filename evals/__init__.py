"""Eval harness: load gold cases, run or load predictions, score them, report and gate.

The data path: ``gold`` (cases) → ``backends`` (predictions: live, record, replay, files) →
``evaluators`` (one metric each) → ``results`` (per case and aggregated) → ``reports``,
``gates``.
"""
