"""One adapter per outside service, behind a Protocol."""
