"""The HTML pages: map and site pages, lists, changes and feeds, charts, between-dates and review."""
