# Pelican adapter for the site-gen benchmark (benchmarks/run.py lays out content/).
# Meetings are articles written in Pelican's own Markdown metadata: attendees are the
# article's authors, projects its tags and the group its category, so Pelican itself
# writes one page per person, project and group listing the meetings. Pelican has no
# place for the people's and projects' own text, so the stubs are not part of its input.
# Everything else is Pelican's default (Python-Markdown, Atom feeds for all articles and
# for every category and author).
SITENAME = "Arbetsgrupper"
SITEURL = ""
FEED_DOMAIN = "https://example.org"  # feeds want absolute links; pages keep root-relative ones
TIMEZONE = "Europe/Stockholm"
DEFAULT_LANG = "sv"
PATH = "content"
ARTICLE_PATHS = ["meetings"]
PAGE_PATHS = []
STATIC_PATHS = []
THEME = "theme"

ARTICLE_URL = "meetings/{slug}/"
ARTICLE_SAVE_AS = "meetings/{slug}/index.html"
AUTHOR_URL = "people/{slug}/"
AUTHOR_SAVE_AS = "people/{slug}/index.html"
AUTHORS_SAVE_AS = "people/index.html"
TAG_URL = "projects/{slug}/"
TAG_SAVE_AS = "projects/{slug}/index.html"
TAGS_SAVE_AS = "projects/index.html"
CATEGORY_URL = "groups/{slug}/"
CATEGORY_SAVE_AS = "groups/{slug}/index.html"
CATEGORIES_SAVE_AS = "groups/index.html"
ARCHIVES_SAVE_AS = "meetings/index.html"
