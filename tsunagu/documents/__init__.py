"""帳票: PDF forms and packets, genograms and ecomaps, shared by all apps.

`pdf.render_pdf(template_name, data)` renders one Typst template of `templates/` with the IPAexGothic
font (from the matplotlib-fontja wheel) embedded; `packet.render_packet` prints multi-section meeting
materials once per recipient; `genogram.render_genogram` and `ecomap.render_ecomap` draw SVG from plain
dataclasses. This package knows no app (it imports only core): callers build the data (already
formatted, 和暦 included), authorize and audit the output themselves. See README.md.
"""
