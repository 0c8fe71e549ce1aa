"""Answers to JSON (GET /api/session) and JSON to answers (POST /api/session)."""
from __future__ import annotations

import datetime
import math

from chambers.interview.objects import DAFile, DAList, DAObject
from chambers.web.json_values import from_json, jsonable


def test_jsonable_objects_dates_sets_and_the_unrepresentable():
    person = DAObject("person", name="Jo", born=datetime.date(2000, 1, 2))
    person.friends = DAList("person.friends", elements=[DAObject("person.friends[0]", name="Al")])
    person.me = person                                           # a cycle ends in null
    data = jsonable({"person": person, "tags": {"b", "a"}, "when": datetime.time(9, 30),
                     "nan": math.nan, "func": len, "lambda": lambda: 1, "raw": object()})
    assert data["person"]["_class"] == "chambers.interview.objects.DAObject"
    assert data["person"]["instanceName"] == "person" and data["person"]["born"] == "2000-01-02"
    assert data["person"]["friends"]["elements"][0]["name"] == "Al"
    assert data["person"]["me"] is None
    assert data["tags"] == ["a", "b"] and data["when"] == "09:30:00"
    assert data["nan"] is None and data["func"] is None and data["lambda"] is None and data["raw"] is None


def test_from_json_dates_times_and_plain_objects():
    assert from_json("2024-05-06") == datetime.date(2024, 5, 6)
    assert from_json("2024-05-06T10:11:12") == datetime.datetime(2024, 5, 6, 10, 11, 12)
    assert from_json("10:11:12") == datetime.time(10, 11, 12)
    assert from_json("2024-99-99 is not a date") == "2024-99-99 is not a date"
    rebuilt = from_json({"_class": "docassemble.base.util.DAObject", "instanceName": "x", "name": "Jo",
                         "items": ["2020-01-01"]})
    assert isinstance(rebuilt, DAObject) and rebuilt.instanceName == "x" and rebuilt.name == "Jo"
    assert rebuilt.items == [datetime.date(2020, 1, 1)]
    assert isinstance(from_json({"_class": "DAList", "instanceName": "l", "elements": [1]}), DAList)


def test_from_json_never_builds_file_or_unknown_classes():
    forged = {"_class": "chambers.interview.objects.DAFile", "instanceName": "f", "number": 1}
    assert not isinstance(from_json(forged), DAFile)
    assert from_json({"_class": "os.system", "instanceName": "x"}) == {"_class": "os.system", "instanceName": "x"}
    assert from_json({"_class": "type", "name": "subprocess.Popen"}) == {"_class": "type", "name": "subprocess.Popen"}
