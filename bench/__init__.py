"""Benchmarks: run against a system of their own, print figures; never timed tests."""
