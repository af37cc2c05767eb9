// A small Markdown renderer for the assistant's narrative, safe by construction: it builds DOM
// nodes with createElement and text nodes only, never parses HTML, and makes no links or images.
// The narrative quotes evidence (SMS, WeChat text from a seized phone), so "<img onerror=…>" in
// it must stay text. Supported: paragraphs (a single newline is a line break), headings, **bold**,
// *italic*, `code`, ~~strike~~, backslash escapes, lists (nested by indentation), pipe tables,
// fenced code, block quotes and rules; anything else is shown as the text it is.

const FENCE = /^\s*(```|~~~)/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const TABLE_DELIMITER = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
const ESCAPABLE = /[\\`*_{}[\]()#+\-.!|~>]/;

export function renderMarkdown(text, doc = document) {
  const fragment = doc.createDocumentFragment();
  blocks(text.replace(/\r\n?/g, "\n").split("\n"), fragment, doc);
  return fragment;
}

function el(doc, tag, parent, text) {
  const node = doc.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

function blocks(lines, parent, doc) {
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === "") { i += 1; continue; }
    const fence = FENCE.exec(line);
    if (fence) {
      const body = [];
      i += 1;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i += 1; // the closing fence (or the end: a streaming fence is shown as it grows)
      el(doc, "code", el(doc, "pre", parent), body.join("\n"));
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      inline(heading[2], el(doc, `h${Math.min(6, heading[1].length + 2)}`, parent), doc);
      i += 1;
      continue;
    }
    if (RULE.test(line)) { el(doc, "hr", parent); i += 1; continue; }
    if (line.includes("|") && i + 1 < lines.length && TABLE_DELIMITER.test(lines[i + 1]) && lines[i + 1].includes("-")) {
      i = table(lines, i, parent, doc);
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted = [];
      while (i < lines.length && QUOTE.test(lines[i])) quoted.push(QUOTE.exec(lines[i++])[1]);
      blocks(quoted, el(doc, "blockquote", parent), doc);
      continue;
    }
    if (ITEM.test(line)) { i = list(lines, i, parent, doc); continue; }
    const para = [];
    while (i < lines.length && lines[i].trim() !== "" && !startsBlock(lines, i)) para.push(lines[i++].trim());
    if (para.length === 0) para.push(lines[i++].trim()); // a line no rule took: plain text
    paragraph(para, el(doc, "p", parent), doc);
  }
}

function startsBlock(lines, i) {
  const line = lines[i];
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || ITEM.test(line)
    || (line.includes("|") && i + 1 < lines.length && TABLE_DELIMITER.test(lines[i + 1]) && lines[i + 1].includes("-"));
}

function paragraph(lines, parent, doc) {
  lines.forEach((line, n) => {
    if (n > 0) el(doc, "br", parent);
    inline(line, parent, doc);
  });
}

// Items at one indentation; deeper ones nest in the previous item, continuation lines join it.
function list(lines, start, parent, doc) {
  const first = ITEM.exec(lines[start]);
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const node = el(doc, ordered ? "ol" : "ul", parent);
  if (ordered && parseInt(first[2], 10) !== 1) node.start = parseInt(first[2], 10);
  let i = start;
  let item = null;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === "") {
      const next = lines[i + 1];
      if (next !== undefined && ITEM.test(next) && ITEM.exec(next)[1].length >= indent) { i += 1; continue; }
      break;
    }
    const match = ITEM.exec(line);
    if (match && match[1].length > indent && item) { i = list(lines, i, item, doc); continue; }
    if (match && match[1].length === indent && /\d/.test(match[2]) === ordered) {
      item = el(doc, "li", node);
      inline(match[3], item, doc);
      i += 1;
      continue;
    }
    if (match || !item || startsBlock(lines, i) || !/^\s/.test(line)) break;
    el(doc, "br", item);
    inline(line.trim(), item, doc);
    i += 1;
  }
  return i;
}

function cells(line) {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  const out = [];
  let cell = "";
  for (let i = 0; i < row.length; i += 1) {
    if (row[i] === "\\" && row[i + 1] === "|") { cell += "\\|"; i += 1; continue; } // inline() unescapes it
    if (row[i] === "|") { out.push(cell.trim()); cell = ""; continue; }
    cell += row[i];
  }
  out.push(cell.trim());
  return out;
}

function table(lines, start, parent, doc) {
  const head = cells(lines[start]);
  const align = cells(lines[start + 1]).map((spec) =>
    spec.startsWith(":") && spec.endsWith(":") ? "center" : spec.endsWith(":") ? "right" : spec.startsWith(":") ? "left" : "");
  const wrap = el(doc, "div", parent);
  wrap.className = "md-table";
  const node = el(doc, "table", wrap);
  const headRow = el(doc, "tr", el(doc, "thead", node));
  head.forEach((text, n) => {
    const th = el(doc, "th", headRow);
    if (align[n]) th.className = `align-${align[n]}`;
    inline(text, th, doc);
  });
  const body = el(doc, "tbody", node);
  let i = start + 2;
  while (i < lines.length && lines[i].trim() !== "" && lines[i].includes("|")) {
    const row = el(doc, "tr", body);
    const values = cells(lines[i]);
    head.forEach((_, n) => {
      const td = el(doc, "td", row);
      if (align[n]) td.className = `align-${align[n]}`;
      inline(values[n] ?? "", td, doc);
    });
    i += 1;
  }
  return i;
}

// Emphasis needs its closing marker on the same line; until a streamed delta brings it, the
// marker shows as typed.
function inline(text, parent, doc) {
  let plain = "";
  const flush = () => {
    if (plain) parent.appendChild(doc.createTextNode(plain));
    plain = "";
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\" && i + 1 < text.length && ESCAPABLE.test(text[i + 1])) { plain += text[i + 1]; i += 2; continue; }
    if (c === "`") {
      const end = text.indexOf("`", i + 1);
      if (end > i) { flush(); el(doc, "code", parent, text.slice(i + 1, end)); i = end + 1; continue; }
    }
    const span = emphasis(text, i);
    if (span) {
      flush();
      inline(text.slice(i + span.marker.length, span.end), el(doc, span.tag, parent), doc);
      i = span.end + span.marker.length;
      continue;
    }
    plain += c;
    i += 1;
  }
  flush();
}

function emphasis(text, i) {
  // `_` is not a marker: the narrative names fields like filter_tree.
  for (const [marker, tag] of [["**", "strong"], ["~~", "s"], ["*", "em"]]) {
    if (!text.startsWith(marker, i)) continue;
    const from = i + marker.length;
    if (from >= text.length || /\s/.test(text[from])) return null;
    let end = text.indexOf(marker, from);
    while (end > from && marker === "*" && text[end + 1] === "*") end = text.indexOf(marker, end + 2);
    if (end > from && !/\s/.test(text[end - 1])) return { marker, tag, end };
    return null;
  }
  return null;
}
