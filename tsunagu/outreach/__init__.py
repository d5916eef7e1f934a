"""アウトリーチ（第4号）: outreach engagements and contacts.

This package is reserved by the layout in DESIGN.md; its issue has not been taken yet.
"""
