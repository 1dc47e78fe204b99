"""summary.md: the Document as GitHub-flavoured Markdown, images referenced by relative name."""

import re


def _anchor(title):
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def _md(text):
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render(doc):
    out = ["# %s" % doc.title, ""]
    out.append(" · ".join("[%s](#%s)" % (s.title, _anchor(s.title)) for s in doc.sections))
    out.append("")
    for s in doc.sections:
        out += ["## %s" % s.title, ""]
        for block in s.blocks:
            kind = block[0]
            if kind == "p":
                out += [block[1], ""]
            elif kind == "img":
                _, name, alt, _size = block
                out += ["![%s](%s)" % (_md(alt).replace("]", ")"), name), ""]
            elif kind == "table":
                _, header, rows = block
                out.append("| %s |" % " | ".join(_md(h) for h in header))
                out.append("|" + "---|" * len(header))
                out.extend("| %s |" % " | ".join(_md(c) for c in row) for row in rows)
                out.append("")
            elif kind == "list":
                out += ["- %s" % _md(i) for i in block[1]] + [""]
    return "\n".join(out)
