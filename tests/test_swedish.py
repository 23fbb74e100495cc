import datetime as dt

import pytest

from site_gen.swedish import family_initial, format_date, format_date_with_weekday, person_sort_key, slugify, sort_key


@pytest.mark.parametrize(("text", "slug"), [
    ("Åke Malmén", "ake-malmen"),
    ("Ledningsgrupp för utveckling", "ledningsgrupp-for-utveckling"),
    ("Ria – Hela människan", "ria-hela-manniskan"),
    ("Joakim Uppsäll-Sjögren", "joakim-uppsall-sjogren"),
    ("  G7!  ", "g7"),
    ("Ærø Straße", "aero-strasse"),
    ("Ü-båt 2017/18", "u-bat-2017-18"),
])
def test_slugify(text, slug):
    assert slugify(text) == slug


def test_swedish_alphabetical_order():
    words = ["Öberg", "Zeta", "Åkesson", "Ärlig", "Eva", "Élise", "Emil", "anna", "Östen", "Ådalen", "Vera", "Wilma"]
    assert sorted(words, key=sort_key) == [
        "anna", "Élise", "Emil", "Eva", "Vera", "Wilma", "Zeta", "Ådalen", "Åkesson", "Ärlig", "Öberg", "Östen",
    ]


def test_people_sort_by_family_name_then_given_name():
    names = ["Ivan Kuzhikov", "Åke Malmén", "Anne Eskilsson", "Ann Abrahamsson", "Gösta Strand", "Bo Öhman", "Eva Åberg"]
    assert sorted(names, key=person_sort_key) == [
        "Ann Abrahamsson", "Anne Eskilsson", "Ivan Kuzhikov", "Åke Malmén", "Gösta Strand", "Eva Åberg", "Bo Öhman",
    ]
    assert [family_initial(n) for n in ("Eva Åberg", "Bo Öhman", "Ann Élan", "Joakim Uppsäll-Sjögren")] == ["Å", "Ö", "E", "U"]


def test_dates_in_swedish():
    assert format_date(dt.date(2017, 5, 18)) == "18 maj 2017"
    assert format_date(dt.date(2016, 2, 8)) == "8 februari 2016"
    assert format_date_with_weekday(dt.date(2017, 5, 18)) == "torsdag 18 maj 2017"
    assert format_date_with_weekday(dt.date(2018, 3, 11)) == "söndag 11 mars 2018"
