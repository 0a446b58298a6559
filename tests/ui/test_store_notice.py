"""The store's notice (opened read-only, on a network file system) is shown in the main window."""

from __future__ import annotations

from ui_fixtures import make_window  # noqa: F401  (fixture)
from ui_helpers import open_case_by_click

from cctv_review.domain import Case
from cctv_review.store import Store


def test_a_read_only_store_says_so_in_a_banner_and_the_title(qtbot, make_window, template, tmp_path):
    path = tmp_path / "ro.sqlite"
    with Store(path, user="reviewer1") as store:
        store.add_case(Case(reference="CR-001"))
    path.chmod(0o444)  # read-only for its owner (and, by its mode bits, for root)
    try:
        with Store(path, user="reviewer1") as store:
            assert store.read_only
            window = make_window(store, template)
            banner = window.store_notice
            assert banner is not None and banner.isVisible()
            assert "read-only" in banner.text() and banner.text() == store.notice
            assert "read-only" in window.windowTitle()
            # Opening a case reads only (the last case and position are not remembered).
            open_case_by_click(qtbot, window, "CR-001")
            assert "read-only" in window.windowTitle() and "CR-001" in window.windowTitle()
            assert banner.isVisible()
            window.shutdown()
    finally:
        path.chmod(0o644)


def test_a_store_on_a_network_drive_says_so_and_a_local_one_says_nothing(
    qtbot, make_window, template, tmp_path, monkeypatch
):
    from cctv_review import storage

    with Store(tmp_path / "local.sqlite", user="reviewer1") as store:
        window = make_window(store, template)
        assert window.store_notice is None and window.findChild(object, "storeNotice") is None
        assert "read-only" not in window.windowTitle()
        window.shutdown()
    monkeypatch.setattr(storage, "network_filesystem", lambda path, **kw: "cifs")
    with Store(tmp_path / "share.sqlite", user="reviewer1") as store:
        window = make_window(store, template)
        banner = window.store_notice
        assert banner is not None and banner.isVisible() and "network" in banner.text()
        assert "read-only" not in window.windowTitle()
        window.shutdown()
