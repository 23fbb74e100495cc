"""Benchmarks of site-gen and its peers (see benchmarks/RESULTS.md); not part of the package."""
