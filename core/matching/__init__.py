"""Matching (pure, synchronous): the exact and Hamming indexes, the matcher over
the enabled banks, link rules, and the loader that keeps a matcher in step
with the banks."""

__all__: list[str] = []
