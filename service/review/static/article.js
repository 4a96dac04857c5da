// The article with its evidence spans. Offsets from the service count Unicode code points (Python
// string indices); the DOM counts UTF-16 units, so text is sliced by code points here and
// selections are converted back. Text only ever goes in through text nodes.

import { h, clear } from "./dom.js";

const DROP_LABELS = {
  boilerplate: "Dropped: page boilerplate",
  duplicate: "Dropped: repeated passage",
  instructions_to_ai: "Dropped: instructions to AI systems",
};

export class ArticleView {
  constructor(container) {
    this.el = container;
    this.chars = [];
  }

  get length() { return this.chars.length; }

  slice(start, end) { return this.chars.slice(start, end).join(""); }

  /**
   * Render the text with spans: evidence [{start, end, key, added, ungrounded}], dropped
   * [{start, end, reason}] and failed [{start, end}] ranges. Every element's text is a slice
   * of the source, so the container's text equals the source exactly.
   */
  render(source, { evidence = [], dropped = [], failed = [] } = {}) {
    this.chars = Array.from(source || "");
    const n = this.chars.length;
    const clamp = (x) => Math.max(0, Math.min(n, x | 0));
    const cuts = new Set([0, n]);
    const ranges = [];
    for (const e of evidence) ranges.push({ ...e, type: "ev" });
    for (const d of dropped) ranges.push({ ...d, type: "dropped" });
    for (const f of failed) ranges.push({ ...f, type: "failed" });
    for (const r of ranges) {
      r.start = clamp(r.start);
      r.end = clamp(r.end);
      if (r.end > r.start) { cuts.add(r.start); cuts.add(r.end); }
    }
    const points = [...cuts].sort((a, b) => a - b);
    const frag = document.createDocumentFragment();
    for (let i = 0; i + 1 < points.length; i += 1) {
      const a = points[i];
      const b = points[i + 1];
      const text = this.slice(a, b);
      const over = ranges.filter((r) => r.start < b && r.end > a && r.end > r.start);
      const keys = over.filter((r) => r.type === "ev").map((r) => r.key);
      const drop = over.find((r) => r.type === "dropped");
      const fail = over.find((r) => r.type === "failed");
      if (!keys.length && !drop && !fail) {
        frag.append(document.createTextNode(text));
        continue;
      }
      const classes = [];
      if (drop) classes.push("dropped", `dropped-${drop.reason}`);
      if (fail) classes.push("failed");
      let node;
      if (keys.length) {
        const evs = over.filter((r) => r.type === "ev");
        classes.unshift("ev");
        if (evs.every((r) => r.added)) classes.push("is-added");
        if (evs.some((r) => r.ungrounded)) classes.push("is-ungrounded");
        node = h("mark", {
          className: classes.join(" "),
          tabindex: "0",
          dataset: { keys: [...new Set(keys)].join(" "), start: String(a), end: String(b) },
        }, text);
      } else {
        node = h("span", {
          className: classes.join(" "),
          dataset: { start: String(a), end: String(b) },
          title: drop ? DROP_LABELS[drop.reason] || "Dropped" : "Not processed (the chunk failed)",
        }, text);
        if (drop && drop.start === a) node.dataset.label = DROP_LABELS[drop.reason] || "Dropped";
        if (fail && !drop && fail.start === a) node.dataset.label = "Not processed";
      }
      frag.append(node);
    }
    clear(this.el).append(frag);
  }

  /** Mark the evidence of `key` (null: none); scroll the first passage into view. */
  mark(key, { scroll = true } = {}) {
    let first = null;
    for (const m of this.el.querySelectorAll("mark.ev")) {
      const on = key !== null && m.dataset.keys.split(" ").includes(key);
      m.classList.toggle("is-marked", on);
      if (on && !first) first = m;
    }
    if (first && scroll) first.scrollIntoView({ block: "center", behavior: "smooth" });
    return first;
  }

  /** Code-point offset of a DOM position inside the article. */
  offsetOf(node, offset) {
    const range = document.createRange();
    range.selectNodeContents(this.el);
    range.setEnd(node, offset);
    return Array.from(range.toString()).length;
  }

  /** The current selection inside the article as {start, end} code points, or null. */
  selection() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    if (!this.el.contains(range.startContainer) || !this.el.contains(range.endContainer)) {
      return null;
    }
    let start = this.offsetOf(range.startContainer, range.startOffset);
    let end = this.offsetOf(range.endContainer, range.endOffset);
    if (end < start) [start, end] = [end, start];
    // Trim surrounding whitespace so evidence starts and ends on text.
    while (start < end && /\s/.test(this.chars[start])) start += 1;
    while (end > start && /\s/.test(this.chars[end - 1])) end -= 1;
    return end > start ? { start, end } : null;
  }
}
