"""帳票: PDF, Excel and chart rendering shared by all apps.

`tsunagu.documents.pdf.render_pdf(template_name, data)` renders one Typst template of `templates/` with
the IPAexGothic font (from the matplotlib-fontja wheel) embedded. This package knows no app: callers
build the data (already formatted, 和暦 included), authorize and audit the print themselves.
"""
