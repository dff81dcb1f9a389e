"""docs/performance.md: one bench's section replaced in place, shared by the
bench scripts (ingress_bench.py, e2e_bench.sh, f4_bench.sh, idle_bench.sh)."""
import re


def write_section(path, heading, section, before):
    """Replaces the section whose heading matches `heading` (a regex of the
    line after "## ") with `section`, placed before the first section whose
    heading starts with `before`, or at the end when there is none."""
    text = open(path).read()
    text = re.sub(r"## (?:" + heading + r").*?(?=\n## |\Z)", "", text, flags=re.S)
    text = re.sub(r"\n{3,}", "\n\n", text)
    anchor = "\n## " + before
    if anchor in text:
        head, tail = text.split(anchor, 1)
        text = head.rstrip() + "\n\n" + section.rstrip() + "\n" + anchor + tail
    else:
        text = text.rstrip() + "\n\n" + section
    open(path, "w").write(text)
