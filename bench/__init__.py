"""Benchmarks: each prints its measurements as ratios against a raw baseline measured in the same run."""
