"""会議体の運営: meetings, agendas, gates, materials, minutes, decisions.

This package is reserved by the layout in DESIGN.md; its issue has not been taken yet.
"""
