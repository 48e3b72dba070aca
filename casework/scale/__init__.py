"""A synthetic national-scale dataset for the benchmarks (issue 13): generate.py makes it, copying.py
loads it."""
