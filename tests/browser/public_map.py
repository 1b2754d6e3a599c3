"""Helpers for browser tests that look at the public map."""

MAP = "#public-map"


def wait_for_map(page) -> None:
    """Wait until the markers of the current view have been loaded."""
    page.wait_for_selector(f'{MAP}[data-loaded="true"]')


def numbers_on_map(page) -> list[str]:
    """Numbers of the appeals loaded on the map (clustered or not)."""
    wait_for_map(page)
    return (page.locator(MAP).get_attribute("data-numbers") or "").split()


def assert_on_map(page, number: str) -> None:
    assert number in numbers_on_map(page), f"{number} is not on the map"
