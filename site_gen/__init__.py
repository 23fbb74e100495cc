"""site-gen: publishes a working group's minutes as a static website.

The build is a pipeline of stages with plain data between them:
`load` (files → records) → `library` (references resolved, indexes built) →
`views` + `render` (pages → HTML) → `write` (atomic swap into the output
directory). `pipeline.build_site` runs them; `cli` is the command line.
"""

__version__ = "0.1.0"
