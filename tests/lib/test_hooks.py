from otklik.lib.hooks import Hooks


def test_entries_run_in_order_then_by_name_whatever_the_registration_order():
    hooks = Hooks("test")
    hooks.register("late", print, order=50)
    hooks.register("b", print, order=10)
    hooks.register("a", print, order=10)
    assert hooks.names() == ["a", "b", "late"]


def test_registering_a_name_again_replaces_it():
    hooks = Hooks("test")
    hooks.register("x", print, order=10)
    hooks.register("x", len, order=5, when=["submit"])
    [entry] = hooks.entries()
    assert entry.func is len and entry.order == 5
    assert entry.applies_to("submit") and not entry.applies_to("register")


def test_an_entry_without_when_applies_to_everything():
    hooks = Hooks("test")
    hooks.register("all", print)
    assert hooks.entries()[0].applies_to("anything")


def test_replaced_swaps_the_entries_and_restores_them():
    hooks = Hooks("test")
    hooks.register("kept", print)
    with hooks.replaced() as empty:
        assert empty.names() == []
        hooks.register("temporary", print)
    assert hooks.names() == ["kept"]
