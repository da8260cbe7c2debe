"""The reviewers' web dashboard: ``app.create_app`` over ``context.Services``,
``settings.WebSettings`` from the configuration, ``server`` to serve it.

Nothing is imported here, so reading the settings does not load the web stack."""

__all__: list[str] = []
