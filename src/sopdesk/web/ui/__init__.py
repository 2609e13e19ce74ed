"""HTML pages and htmx fragments at /: each module here with a `router` is mounted automatically.

Pages render templates extending `base.html` via `sopdesk.web.templating.render`.
"""
