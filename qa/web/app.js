// The page to ask from: POST /ask, answers grouped by document, a click opens the document's indexed
// text around the citation (GET /text). Every piece of text goes in through textContent: no HTML is
// ever built from a question, an answer or a document.
"use strict";

const TEXTS = {
  en: {
    skip: "Skip to the answers", tagline: "Ask your documents, in Chinese or English.", question: "Question",
    ask: "Ask", filters: "Filters", k: "Passages", mode: "Ranking", hybrid: "hybrid: meaning and words",
    dense: "dense: meaning only", lexical: "lexical: words only", path: "Path (glob)", lang: "Language",
    any: "any", since: "Since", until: "Until", answers: "Answers", close: "Close",
    asking: "Asking…", none: "No passage matches this question. Try other words, or the ranking “dense”.",
    found: (n, d) => `${n} passage${n === 1 ? "" : "s"} from ${d} document${d === 1 ? "" : "s"}`,
    open: "Open the document at this passage", lines: "lines", line: "line", chars: "chars", page: "page",
    gap: "… (not indexed) …", loading: "Opening…", confidence: "confidence",
    unanswered: "No passage answers this with enough confidence; the nearest ones:",
  },
  zh: {
    skip: "跳到答案", tagline: "用中文或英文向你的文档提问。", question: "问题", ask: "提问", filters: "筛选",
    k: "段落数", mode: "排序", hybrid: "混合：语义与词语", dense: "语义", lexical: "词语", path: "路径（通配符）",
    lang: "语言", any: "不限", since: "起始日期", until: "截止日期", answers: "答案", close: "关闭",
    asking: "正在查找…", none: "没有段落与这个问题相符。换个说法试试，或把排序改为“语义”。",
    found: (n, d) => `${d} 个文档中的 ${n} 个段落`,
    open: "在文档中打开这一段", lines: "行", line: "行", chars: "字符", page: "页",
    gap: "……（未编入索引）……", loading: "正在打开…", confidence: "置信度",
    unanswered: "没有段落有足够把握回答这个问题；最接近的段落：",
  },
};
const FIELDS = ["k", "mode", "path", "lang", "since", "until"];
let ui = localStorage.getItem("qa-ui"); // another page once served from this address may have set it
if (!Object.hasOwn(TEXTS, ui)) ui = (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en";
let last = null; // the last answer, re-rendered when the interface language changes
let opener = null; // the citation button that opened the viewer, focused again on close
let viewing = null; // the AbortController of the text being fetched: opening another cancels it

const $ = (id) => document.getElementById(id);
const t = (key) => TEXTS[ui][key];

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c); // strings become text nodes
  return node;
}

function applyLanguage() {
  document.documentElement.lang = ui === "zh" ? "zh-CN" : "en";
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  $("ui-lang").textContent = ui === "zh" ? "English" : "中文";
  if (last) render(last);
}

function lines(c) {
  return c.line_start === c.line_end ? `${t("line")} ${c.line_start}` : `${t("lines")} ${c.line_start}-${c.line_end}`;
}

// The citation line as in the terminal: [rank] path:lines  chars a-b  page p
function citationButton(hit) {
  const c = hit.citation;
  const where = c.line_start === c.line_end ? `${c.line_start}` : `${c.line_start}-${c.line_end}`;
  return el("button", { type: "button", class: "cite", title: t("open"), "aria-label": `${t("open")}: ${c.path}, ${lines(c)}`,
    onclick: (e) => openDocument(hit, e.currentTarget) },
    el("span", { class: "rank" }, `[${hit.rank}]`), `${c.path}:${where}`,
    el("span", { class: "chars" }, `  ${t("chars")} ${c.char_start}-${c.char_end}` + (c.page != null ? `  ${t("page")} ${c.page}` : "")));
}

// Offsets count characters (code points, as Python does); a JavaScript string counts UTF-16 units, two
// for a character outside the BMP (rare CJK such as 𠮷, emoji). Slice by characters, never by units.
function slicer(text) {
  const chars = Array.from(text);
  return (a, b) => chars.slice(Math.max(0, a), Math.max(0, b)).join("");
}

// The passage with its answering sentence marked (offsets are into the file, like the citation's).
function passage(hit) {
  const p = el("p", { class: "passage", lang: hit.lang === "zh" ? "zh" : hit.lang === "en" ? "en" : "" });
  const h = hit.highlight;
  if (!h) { p.append(hit.text); return p; }
  const lo = h.char_start - hit.citation.char_start, hi = h.char_end - hit.citation.char_start;
  const slice = slicer(hit.text);
  p.append(slice(0, lo), el("mark", {}, slice(lo, hi)), slice(hi, Infinity));
  return p;
}

function render(answer) {
  last = answer;
  const results = $("results");
  results.replaceChildren(el("h2", { id: "results-title", class: "visually-hidden" }, t("answers")));
  const status = $("status");
  status.className = "";
  // The verdict (answered, per-hit confidence) when the server computes one: declined answers dimmed.
  results.classList.toggle("declined", answer.answered === false);
  if (answer.answered === false && answer.hits.length) results.append(el("p", { class: "notice" }, t("unanswered")));
  if (!answer.hits.length) { status.textContent = t("none"); return; }
  const groups = new Map(); // path -> hits, in the order of each document's best hit
  for (const hit of answer.hits) {
    if (!groups.has(hit.citation.path)) groups.set(hit.citation.path, []);
    groups.get(hit.citation.path).push(hit);
  }
  status.textContent = t("found")(answer.hits.length, groups.size);
  for (const [path, hits] of groups) {
    const c = hits[0].citation;
    const about = [c.source, c.date].filter(Boolean).join(" · ");
    const section = el("article", { class: "doc", "aria-label": c.title || path },
      el("h3", {}, c.title || path), about ? el("p", { class: "about" }, about) : null);
    for (const hit of hits) {
      const conf = typeof hit.confidence === "number"
        ? el("span", { class: "confidence" }, `  ${t("confidence")} ${Math.round(hit.confidence * 100)}%`) : null;
      section.append(el("div", { class: "hit" }, citationButton(hit), conf, passage(hit)));
    }
    results.append(section);
  }
}

function showError(message) {
  const status = $("status");
  status.className = "error";
  status.textContent = message;
}

async function postJSON(url, body) {
  const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return [r, await r.json().catch(() => ({ error: { message: `HTTP ${r.status}` } }))];
}

async function ask() {
  const question = $("q").value.trim();
  if (!question) { $("q").focus(); return; }
  const body = { question };
  const params = new URLSearchParams({ q: question });
  for (const f of FIELDS) {
    const v = $(f).value.trim();
    if (!v || (f === "k" && v === "5") || (f === "mode" && v === "hybrid")) continue;
    body[f] = f === "k" ? Number(v) : v;
    params.set(f, v);
  }
  history.replaceState(null, "", `/?${params}`); // the address shares this question
  $("status").className = "";
  $("status").textContent = t("asking");
  $("results").setAttribute("aria-busy", "true");
  try {
    const [r, data] = await postJSON("/ask", body);
    if (!r.ok) return showError((data.error && data.error.message) || `HTTP ${r.status}`);
    render(data);
  } catch (e) {
    showError(String(e));
  } finally {
    $("results").removeAttribute("aria-busy");
  }
}

// The document's indexed text around the citation, the cited span and its best sentence marked.
// Only the last document opened fills the viewer: an earlier fetch still on its way (a double click,
// or another citation opened meanwhile) is cancelled, and its answer dropped if it comes anyway.
async function openDocument(hit, button) {
  if (viewing) viewing.abort();
  const mine = viewing = new AbortController();
  opener = button;
  const c = hit.citation, box = $("viewer-text"), dialog = $("viewer");
  $("viewer-title").textContent = c.title || c.path;
  $("viewer-meta").textContent = [c.path, lines(c), c.source, c.date].filter(Boolean).join(" · ");
  box.replaceChildren(t("loading"));
  if (!dialog.open) dialog.showModal();
  const params = new URLSearchParams({ path: c.path, start: c.char_start, end: c.char_end });
  let r, data;
  try {
    r = await fetch(`/text?${params}`, { signal: mine.signal });
    data = await r.json().catch(() => ({}));
  } catch (e) { // the server is gone or the network failed: say so rather than "Opening…" for ever
    if (mine === viewing) box.replaceChildren(String(e));
    return;
  }
  if (mine !== viewing) return;
  if (!r.ok) { box.replaceChildren((data.error && data.error.message) || `HTTP ${r.status}`); return; }
  box.replaceChildren();
  const h = hit.highlight;
  data.segments.forEach((s, i) => {
    if (i > 0) box.append(el("span", { class: "gap" }, t("gap"))); // text no passage covers
    else if (s.start > 0) box.append("…");
    // Cut the segment at the cited span and the highlight: before | cited (with mark) | after.
    const slice = slicer(s.text);
    const cut = (a, b) => slice(Math.max(a, s.start) - s.start, Math.min(b, s.end) - s.start);
    box.append(cut(s.start, c.char_start));
    if (c.char_end > s.start && c.char_start < s.end) {
      const cited = el("span", { class: "cited", id: "cited" });
      if (h) cited.append(cut(c.char_start, h.char_start), el("mark", {}, cut(h.char_start, h.char_end)), cut(h.char_end, c.char_end));
      else cited.append(cut(c.char_start, c.char_end));
      box.append(cited);
    }
    box.append(cut(c.char_end, s.end));
  });
  box.append("…");
  const cited = $("cited");
  if (cited) cited.scrollIntoView({ block: "center" });
  box.focus();
}

function fromAddress() {
  const params = new URLSearchParams(location.search);
  for (const f of FIELDS) if (params.get(f)) $(f).value = params.get(f);
  if (FIELDS.slice(2).some((f) => params.get(f))) $("filters").open = true;
  if (params.get("q")) { $("q").value = params.get("q"); ask(); }
}

document.addEventListener("DOMContentLoaded", () => {
  $("ask").addEventListener("submit", (e) => { e.preventDefault(); ask(); });
  $("ui-lang").addEventListener("click", () => {
    ui = ui === "zh" ? "en" : "zh";
    localStorage.setItem("qa-ui", ui);
    applyLanguage();
  });
  $("viewer-close").addEventListener("click", () => $("viewer").close());
  $("viewer").addEventListener("close", () => { if (opener) opener.focus(); }); // Escape closes it too
  applyLanguage();
  fromAddress();
});
