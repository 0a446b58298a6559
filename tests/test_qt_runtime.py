"""Guards against Qt binding releases that break the application at run time."""

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    ticked = Signal(int)


def test_emitting_signals_does_not_leak_references():
    """PySide6 6.12.0 dropped a reference to True on every emit(): the interpreter
    aborted ("bool_dealloc") after about a thousand emits, i.e. seconds of playback."""
    emitter = _Emitter()
    received = []
    emitter.ticked.connect(received.append)
    before = sys.getrefcount(True)
    for i in range(200):
        emitter.ticked.emit(i)
    assert len(received) == 200
    assert abs(sys.getrefcount(True) - before) < 20
