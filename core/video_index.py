"""Matching frame lists (vPDQ) by HMA's rule, on top of the PDQ Hamming index (pure).

Every good frame (quality >= 50, each distinct hash once) of every banked
video goes into one ``HammingIndex`` with its video's id. A query's good
distinct frames are each searched within 31 bits; for each video hit, the
result says what share of the query's frames found a match in it and what
share of its own frames were matched.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.index import HammingIndex
from core.video import Frame

__all__ = ["VideoHit", "VideoIndex", "good_frames"]

FRAME_DISTANCE = 31
MIN_QUALITY = 50


def good_frames(frames: Sequence[Frame]) -> list[str]:
    """The distinct hashes of frames good enough to match on, in order."""
    return list(dict.fromkeys(f.pdq for f in frames if f.quality >= MIN_QUALITY))


@dataclass(frozen=True, slots=True)
class VideoHit:
    video: int
    query_percent: float
    compared_percent: float


class VideoIndex:
    def __init__(self) -> None:
        self._frames = HammingIndex(256)
        self._owner: list[int] = []  # frame id -> video id
        self._sizes: list[int] = []  # video id -> its good distinct frames

    def __len__(self) -> int:
        return len(self._sizes)

    def add(self, videos: Sequence[Sequence[Frame]]) -> list[int]:
        ids = []
        rows: list[bytes] = []
        for frames in videos:
            video = len(self._sizes)
            hashes = good_frames(frames)
            self._sizes.append(len(hashes))
            self._owner.extend([video] * len(hashes))
            rows.extend(bytes.fromhex(h) for h in hashes)
            ids.append(video)
        if rows:
            self._frames.add(np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(-1, 32))
        return ids

    def search(self, query: Sequence[Frame]) -> list[VideoHit]:
        hashes = good_frames(query)
        if not hashes:
            return []
        query_hits: dict[int, int] = defaultdict(int)
        matched_frames: dict[int, set[int]] = defaultdict(set)
        for value in hashes:
            row = np.frombuffer(bytes.fromhex(value), dtype=np.uint8)
            videos_hit = set()
            for frame_id, _ in self._frames.search(row, FRAME_DISTANCE):
                video = self._owner[frame_id]
                videos_hit.add(video)
                matched_frames[video].add(frame_id)
            for video in videos_hit:
                query_hits[video] += 1
        return [
            VideoHit(
                video,
                100.0 * count / len(hashes),
                100.0 * len(matched_frames[video]) / max(1, self._sizes[video]),
            )
            for video, count in sorted(query_hits.items())
        ]
