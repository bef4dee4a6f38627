"""The benchmark suite: `python -m bench` (bench/run.py)."""
