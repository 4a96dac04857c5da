"""The editor review page: static HTML, CSS and JavaScript modules served at /review."""
