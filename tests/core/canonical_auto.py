"""The auto-test every signal type without a media hash (link rules, video
lists, file keys) passes; a new type adds one subclass."""

from typing import ClassVar

import pytest

from core.errors import InputError
from core.signals import SIGNAL_TYPES, SignalType

__all__ = ["CanonicalFormAutoTest"]


class CanonicalFormAutoTest:
    signal_type: ClassVar[type[SignalType]]
    stored_name: ClassVar[str]
    good: ClassVar[tuple[tuple[str, str], ...]]
    bad: ClassVar[tuple[str, ...]]

    def test_stored_name_never_changes(self) -> None:
        assert SIGNAL_TYPES[self.stored_name] is self.signal_type

    def test_canonical_values(self) -> None:
        for raw, canonical in self.good:
            assert self.signal_type.canonical(raw) == canonical
            assert self.signal_type.canonical(canonical) == canonical

    def test_bad_values_are_input_errors(self) -> None:
        for raw in self.bad:
            with pytest.raises(InputError):
                self.signal_type.canonical(raw)
