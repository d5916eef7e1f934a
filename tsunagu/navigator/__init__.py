"""公開の窓口案内: the public guide to the right window (no login, no personal data).

This package is reserved by the layout in DESIGN.md; its issue has not been taken yet.
"""
