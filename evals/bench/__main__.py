"""``python -m evals.bench``: the same command as ``summarise bench``."""

from evals.bench.cli import main

main()
