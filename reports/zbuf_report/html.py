"""index.html: the Document as one self-contained page (inline CSS, no scripts); only the PNGs it shows are
separate files, referenced by relative name from the same folder."""

import html

_CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1500px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: .85em; }
th, td { border: 1px solid #ddd; padding: .2em .5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.st { font-weight: bold; }
img { max-width: 100%; height: auto; border: 1px solid #eee; margin: .4em 0; }
nav a { margin-right: 1em; }
code { font-size: .95em; }
"""

STATUS_STYLE = {"PASS": "#1a9850", "FAIL": "#d73027", "CRASH": "#4d004b", "TIMEOUT": "#e6550d",
                "UNRESOLVED": "#c51b7d", "SKIP": "#3182bd", "UNSUPPORTED": "#777777"}


def _cell(text, tag="td"):
    t = html.escape(str(text))
    if tag == "td" and text in STATUS_STYLE:
        return '<td class="st" style="color:%s">%s</td>' % (STATUS_STYLE[text], t)
    return "<%s>%s</%s>" % (tag, t, tag)


def render(doc):
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>%s</title>" % html.escape(doc.title), "<style>%s</style></head><body>" % _CSS,
           "<h1>%s</h1>" % html.escape(doc.title),
           "<nav>%s</nav>" % "".join('<a href="#%s">%s</a>' % (s.key, html.escape(s.title)) for s in doc.sections)]
    for s in doc.sections:
        out.append('<h2 id="%s">%s</h2>' % (s.key, html.escape(s.title)))
        for block in s.blocks:
            kind = block[0]
            if kind == "p":
                out.append("<p>%s</p>" % html.escape(block[1]))
            elif kind == "img":
                _, name, alt, (w, h) = block
                out.append('<figure><img src="%s" alt="%s" width="%d" height="%d"><figcaption>%s</figcaption>'
                           '</figure>' % (html.escape(name, quote=True), html.escape(alt, quote=True), w, h,
                                          html.escape(alt)))
            elif kind == "table":
                _, header, rows = block
                out.append("<table><thead><tr>%s</tr></thead><tbody>" % "".join(_cell(h, "th") for h in header))
                out.extend("<tr>%s</tr>" % "".join(_cell(c) for c in row) for row in rows)
                out.append("</tbody></table>")
            elif kind == "list":
                out.append("<ul>%s</ul>" % "".join("<li>%s</li>" % html.escape(i) for i in block[1]))
    out.append("</body></html>")
    return "\n".join(out) + "\n"
