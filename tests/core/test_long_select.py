"""LongSelect (rattinsats.forms): the markup of Django's Select, the
options made once for a list of choices and the chosen one marked on each
render."""

import pytest
from django import forms

from rattinsats.forms import LongSelect

CHOICES = [("", "Alla"), (1, "Anna <Berg>"), (10, 'Bo "Ek"'), (2, "Åsa & Co"), (1, "Igen")]


@pytest.mark.parametrize("value", ["", "1", "10", 10, "99", None])
def test_it_writes_what_djangos_select_writes(value):
    ours = LongSelect(choices=CHOICES).render("r", value, attrs={"id": "id_r"})
    django = forms.Select(choices=CHOICES).render("r", value, attrs={"id": "id_r"})
    assert ours.split() == django.split()


def test_only_the_chosen_option_is_selected_whatever_came_before():
    widget = LongSelect(choices=CHOICES)
    assert 'value="10" selected' in widget.render("r", "10")
    again = widget.render("r", "1")
    assert again.count(" selected") == 1
    assert 'value="1" selected>Anna &lt;Berg&gt;' in again  # the first with the value
    assert " selected" not in widget.render("r", "99")


def test_the_labels_are_read_anew_for_each_list():
    first = LongSelect(choices=[("", "Alla"), (1, "Anna")]).render("r", "")
    renamed = LongSelect(choices=[("", "Alla"), (1, "Anna Berg")]).render("r", "")
    assert ">Anna<" in first and ">Anna Berg<" in renamed
