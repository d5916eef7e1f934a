"""分析・報告: analytics, official reports, small-cell suppression.

This package is reserved by the layout in DESIGN.md; its issue has not been taken yet.
"""
