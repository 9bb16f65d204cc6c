"""What readers see: the embeddable widget, comment counts, the no-JS thread page and the demo."""

from flask import Blueprint

blueprint = Blueprint(
    "embed",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/embed/static",
)

from discuss.web.embed import assets, demo, thread  # noqa: E402,F401  (routes attach here)
