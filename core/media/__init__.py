"""Untrusted media, in memory only: what a file is (by structure), safe decoding
within pixel, memory, frame and time limits, bounded file reading, videos as
frame lists, every signal of a file, and the worker pool that hashes off the
event loop with a deadline per job."""

__all__: list[str] = []
