"""多機関協働（第5号・第6号）: cases, consent, assessment, support plans, monitoring.

This package is reserved by the layout in DESIGN.md; its issue has not been taken yet.
"""
