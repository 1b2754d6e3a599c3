"""QuickSelect writes exactly the markup of Django's Select, only faster."""

import pytest
from django import forms

from otklik.lib.widgets import QuickSelect

CHOICES = [
    ("", "all categories"),
    ("Дороги", [(1, "Ямы <и> «выбоины»"), (2, 'Знаки & "разметка"')]),
    (3, "ЖКХ"),
    ("Пустая группа", []),
]


@pytest.mark.parametrize("value", [None, "", 2, "3", [1, 3]])
@pytest.mark.parametrize("attrs", [None, {"class": "wide", "required": True, "disabled": False}])
def test_quick_select_renders_the_same_html_as_djangos_select(value, attrs):
    plain = forms.Select(choices=CHOICES, attrs=attrs)
    quick = QuickSelect(choices=CHOICES, attrs=attrs)
    extra = {"id": "id_category", "data-x": 'a"b'}
    assert quick.render("category", value, extra) == plain.render("category", value, extra)


def test_a_model_choice_field_with_quick_select_renders_as_before(db, category):
    from otklik.directory.models import Category

    plain = forms.ModelChoiceField(Category.objects.order_by("pk"), empty_label="—")
    quick = forms.ModelChoiceField(
        Category.objects.order_by("pk"), empty_label="—", widget=QuickSelect
    )
    assert quick.widget.render("c", category.pk) == plain.widget.render("c", category.pk)
