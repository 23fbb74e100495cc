"""Optimisations give byte-identical output to the simple path they stand in for."""

from __future__ import annotations

import shutil

import jinja2
import pytest
from site_gen import render
from site_gen.errors import BuildFailed
from site_gen.pipeline import BuildOptions, build_site

from .conftest import REPO
from .test_errors import tree_digest


def test_views_attribute_lookup_gives_what_jinja_gives():
    ours, plain = render.create_environment(REPO / "templates"), jinja2.Environment()
    view = {"title": "Möte", "items": [1, 2], "get": "nyckel"}
    for name in ("title", "items", "get", "keys", "missing"):
        expected, found = plain.getattr(view, name), ours.getattr(view, name)
        if isinstance(expected, jinja2.Undefined):
            assert isinstance(found, jinja2.Undefined), name
        else:
            assert found == expected, name


def test_site_rendered_with_our_environment_equals_plain_jinja(tmp_path, monkeypatch):
    options = BuildOptions(content_dir=REPO / "content", output_dir=tmp_path / "ours", include_drafts=True)
    build_site(options)
    monkeypatch.setattr(render, "_Environment", jinja2.Environment)
    build_site(BuildOptions(content_dir=REPO / "content", output_dir=tmp_path / "plain", include_drafts=True))
    assert tree_digest(tmp_path / "ours") == tree_digest(tmp_path / "plain")


def test_a_template_failing_halfway_through_a_streamed_build_changes_nothing(tmp_path):
    # A whole build writes each page as soon as it is rendered, into a directory beside the
    # output; a failure on a later page must leave the previous site as it was, and no trace.
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    output = tmp_path / "public"
    options = BuildOptions(content_dir=REPO / "content", output_dir=output, templates_dir=templates)
    build_site(options)
    before = tree_digest(output)
    (templates / "organization.html").write_text('{% extends "base.html" %}{% block main %}{{ page.nothing }}'
                                                 '{% endblock %}', encoding="utf-8")
    with pytest.raises(BuildFailed, match="organization.html"):
        build_site(options)
    assert tree_digest(output) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "templates"]
