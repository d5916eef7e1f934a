"""相談先ナビ: the public guide to the right window (no login, no personal data). See README.md."""
