// The review page: sign in, submit or open a job, follow its progress, review and correct it.

import { api, ApiError, followJob, session } from "./api.js";
import { ArticleView } from "./article.js";
import { append, clear, h, uid } from "./dom.js";
import {
  BY_KEY, SECTIONS, fieldValue, modelItems, parseField, sameValue,
} from "./sections.js";

const $ = (sel) => document.querySelector(sel);
const JOB_ID = /^[0-9a-f]{32}$/;

const state = {
  who: null,
  jobId: null,
  review: null,
  result: null,
  source: "",
  version: 0,
  ops: new Map(), // "section:index" -> {action: "reject"|"edit", fields, comment}
  added: [], // {section, fields, evidence: [{start, end, quote}], comment}
  selectedKey: null,
  editing: null,
  dirty: false,
  abort: null,
};

const article = new ArticleView($("#article"));

// --- sign in -------------------------------------------------------------------------------------

async function signIn(key) {
  session.key = key;
  try {
    state.who = await api.whoami();
  } catch (err) {
    session.key = null;
    throw err;
  }
  $("#who-name").textContent = state.who.name;
  $("#who").hidden = false;
  $("#signin").hidden = true;
  $("#workspace").hidden = false;
}

function signOut() {
  if (state.abort) state.abort.abort();
  session.key = null;
  state.who = null;
  $("#who").hidden = true;
  $("#workspace").hidden = true;
  $("#review").hidden = true;
  $("#signin").hidden = false;
  $("#api-key").value = "";
  $("#api-key").focus();
  history.replaceState(null, "", location.pathname);
}

$("#signin-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const key = $("#api-key").value.trim();
  $("#signin-error").textContent = "";
  if (!key) {
    $("#signin-error").textContent = "Enter your API key.";
    $("#api-key").focus();
    return;
  }
  try {
    await signIn(key);
    $("#article-input").focus();
    openFromHash();
  } catch (err) {
    $("#signin-error").textContent =
      err instanceof ApiError && err.status === 401 ? `Sign-in failed: ${err.message}` : String(err.message || err);
  }
});
$("#sign-out").addEventListener("click", signOut);

// --- submitting and opening jobs -----------------------------------------------------------------

function looksLikeHtml(text) {
  return /^\s*</.test(text) && /<(!doctype|html|head|body|article|p|div|main|section)[\s>]/i.test(text);
}

$("#submit-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const text = $("#article-input").value;
  setError("");
  if (!text.trim()) {
    setError("Paste the article text or HTML first.");
    $("#article-input").focus();
    return;
  }
  const format = new FormData(ev.target).get("format");
  const html = format === "html" || (format === "auto" && looksLikeHtml(text));
  const body = html ? { html: text } : { text };
  const title = $("#article-title").value.trim();
  if (title) body.title = title;
  $("#submit-button").disabled = true;
  try {
    const job = await api.submit(body);
    await openJob(job.id);
  } catch (err) {
    setError(`Could not submit: ${err.message}`);
  } finally {
    $("#submit-button").disabled = false;
  }
});

$("#open-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const id = $("#job-id").value.trim().toLowerCase();
  setError("");
  if (!JOB_ID.test(id)) {
    setError("A job id is 32 hexadecimal characters.");
    $("#job-id").focus();
    return;
  }
  await openJob(id);
});

function openFromHash() {
  const m = /job=([0-9a-f]{32})/.exec(location.hash);
  if (m && state.who) openJob(m[1]);
}
window.addEventListener("hashchange", openFromHash);

function setError(text) {
  $("#error").textContent = text;
}

function showProgress(job) {
  const box = $("#job-status");
  box.hidden = false;
  const p = job.progress || {};
  const total = p.chunks_total || 0;
  const done = p.chunks_done || 0;
  const bar = $("#progress");
  bar.max = Math.max(total, 1);
  bar.value = job.status === "succeeded" ? bar.max : Math.min(done, bar.max);
  let text;
  if (job.status === "queued") text = p.stage === "waiting_for_model" ? "Waiting for the model…" : "Queued…";
  else if (job.status === "running") text = total ? `Running: ${done} of ${total} chunk${total === 1 ? "" : "s"} done${p.stage ? ` (${p.stage})` : ""}` : "Running…";
  else if (job.status === "succeeded") text = `Done: ${total || done} chunk${(total || done) === 1 ? "" : "s"} summarised${job.cached ? " (from the store)" : ""}.`;
  else text = `Failed: ${job.error ? job.error.code : "error"}`;
  $("#status-text").textContent = `Job ${job.id}: ${text}`;
}

function logProgress(name, job) {
  const p = job.progress || {};
  const total = p.chunks_total ?? "?";
  append($("#progress-log"), [h("li", {}, `${name}: ${job.status}, chunks ${p.chunks_done || 0}/${total}${p.stage ? `, ${p.stage}` : ""}`)]);
}

async function openJob(id) {
  if (state.abort) state.abort.abort();
  const abort = new AbortController();
  state.abort = abort;
  state.jobId = id;
  $("#job-id").value = id;
  if (location.hash !== `#job=${id}`) history.replaceState(null, "", `#job=${id}`);
  clear($("#progress-log"));
  setError("");
  $("#review").hidden = true;
  try {
    let job = await api.job(id);
    showProgress(job);
    if (job.status === "queued" || job.status === "running") {
      job = await followJob(id, (name, j) => {
        showProgress(j);
        logProgress(name, j);
      }, { signal: abort.signal });
    }
    showProgress(job);
    if (abort.signal.aborted) return;
    const review = await api.review(id);
    loadReview(review);
  } catch (err) {
    if (err.name === "AbortError") return;
    setError(err instanceof ApiError && err.status === 404 ? `No job ${id} for this API key.` : `Could not open the job: ${err.message}`);
  }
}

// --- the review ----------------------------------------------------------------------------------

function loadReview(review) {
  state.review = review;
  const job = review.job;
  state.result = job.result || job.partial_result || null;
  state.source = review.source_text || "";
  state.version = review.corrections ? review.corrections.version : 0;
  state.ops = new Map();
  state.added = [];
  state.selectedKey = null;
  state.editing = null;
  for (const op of review.corrections ? review.corrections.items : []) {
    if (op.action === "add") {
      state.added.push({ section: op.section, fields: op.fields, evidence: op.evidence, comment: op.comment });
    } else {
      state.ops.set(`${op.section}:${op.index}`, { action: op.action, fields: op.fields || {}, comment: op.comment });
    }
  }
  setDirty(false);
  $("#save-status").textContent = review.corrections ? savedText(review.corrections) : "No corrections saved yet.";
  $("#job-label").textContent = `· job ${job.id}`;
  $("#review").hidden = false;
  $("#selection-panel").hidden = true;
  renderAll();
  loadVersions();
}

function savedText(v) {
  const when = new Date(v.created_at).toLocaleString();
  return `Version ${v.version} saved by key “${v.key_name || v.key_id || "anonymous"}” on ${when}.`;
}

async function loadVersions() {
  const list = clear($("#versions"));
  try {
    const versions = await api.versions(state.jobId);
    if (!versions.length) append(list, [h("li", {}, "none")]);
    for (const v of versions.slice().reverse()) {
      append(list, [h("li", {}, `v${v.version} · ${v.key_name || v.key_id || "anonymous"} · ${new Date(v.created_at).toLocaleString()} · ${v.items.length} change${v.items.length === 1 ? "" : "s"}${v.comment ? ` · “${v.comment}”` : ""}`)]);
    }
  } catch (err) {
    append(list, [h("li", {}, `Could not load versions: ${err.message}`)]);
  }
}

function setDirty(dirty) {
  state.dirty = dirty;
  $("#dirty").hidden = !dirty;
}

function renderAll() {
  renderBanners();
  renderResults();
  renderArticle();
  if (state.selectedKey) selectItem(state.selectedKey, { scroll: false, focus: false });
}

function renderBanners() {
  const box = clear($("#banners"));
  const { job } = state.review;
  const r = state.result;
  if (job.status === "failed") {
    append(box, [h("p", { className: "banner bad", role: "alert" },
      `The job failed (${job.error ? `${job.error.code}: ${job.error.message}` : "no reason given"}).`,
      r ? " The partial result is shown." : "")]);
  }
  if (!r) return;
  const meta = r.meta || {};
  if (meta.partial) {
    const ranges = meta.failed_ranges || [];
    append(box, [h("p", { className: "banner bad" },
      h("strong", {}, "Partial result. "),
      `${ranges.length} part${ranges.length === 1 ? "" : "s"} of the article could not be processed (marked “Not processed” in the article): `,
      ranges.map((f) => `${f.start}–${f.end} (${f.error})`).join(", "), ".")]);
  }
  const dropped = meta.dropped_spans || [];
  if (dropped.length) {
    const counts = {};
    for (const d of dropped) counts[d.reason] = (counts[d.reason] || 0) + 1;
    const names = { boilerplate: "page boilerplate", duplicate: "repeated passage", instructions_to_ai: "instructions to AI systems" };
    append(box, [h("p", { className: "banner info" },
      h("strong", {}, "Dropped spans: "),
      Object.entries(counts).map(([k, n]) => `${n} × ${names[k] || k}`).join(", "),
      " — left out of the summary and struck through in the article. ",
      h("button", { type: "button", className: "secondary", onclick: () => scrollToDropped() }, "Show in article"))]);
  }
  const ungrounded = [...(r.participants || []), ...(r.agreements || []), ...(r.geopolitical_notes || [])]
    .filter((i) => i.grounded === false).length;
  if (ungrounded) {
    append(box, [h("p", { className: "banner warn" }, h("strong", {}, "Ungrounded items: "),
      `${ungrounded} item${ungrounded === 1 ? "" : "s"} failed the support check against the article (marked “ungrounded”).`)]);
  }
  if (meta.ungrounded_dropped) {
    const reasons = Object.entries(meta.dropped_items || {}).map(([k, n]) => `${n} ${k}`).join(", ");
    append(box, [h("p", { className: "banner info" },
      `${meta.ungrounded_dropped} item${meta.ungrounded_dropped === 1 ? "" : "s"} the model gave were removed by the support checks${reasons ? ` (${reasons})` : ""}.`)]);
  }
  if (state.review.input_format === "html") {
    append(box, [h("p", { className: "banner info" }, "HTML input: the article shown is the text the service extracted from the page; evidence offsets index this text.")]);
  }
}

function scrollToDropped() {
  const first = $("#article .dropped");
  if (first) {
    first.scrollIntoView({ block: "center" });
    $("#article").focus({ preventScroll: true });
  }
}

// Items as shown: model items with their correction, then the added ones.
function entries(section) {
  const out = [];
  modelItems(state.result, section).forEach((item, index) => {
    const key = `${section.key}:${index}`;
    const op = state.ops.get(key);
    const value = op && op.action === "edit" ? { ...item, ...op.fields } : item;
    out.push({ key, section, item, value, op, index });
  });
  state.added.forEach((a, i) => {
    if (a.section === section.key) {
      out.push({ key: `added:${i}`, section, item: null, value: { ...a.fields, evidence: a.evidence }, added: a, addedIndex: i });
    }
  });
  return out;
}

function evidenceOf(entry) {
  return (entry.value && entry.value.evidence) || [];
}

function renderResults() {
  const root = clear($("#results"));
  const r = state.result;
  if (!r) {
    append(root, [h("p", {}, "This job has no result to review.")]);
    return;
  }
  // The prose summary: each sentence links to its evidence.
  const sentences = r.summary_sentences || [];
  append(root, [h("h3", {}, "Summary")]);
  if (sentences.length) {
    append(root, [h("ul", { className: "items", "aria-label": "Summary sentences" },
      sentences.map((s, i) => h("li", { className: "item", dataset: { key: `summary:${i}` } },
        h("div", { className: "item-head" },
          h("button", { type: "button", className: "item-main", "aria-pressed": "false", dataset: { key: `summary:${i}` }, onclick: () => selectItem(`summary:${i}`) }, s.text),
          h("span", { className: "ev-count" }, countText(s.evidence || []))))))]);
  } else {
    append(root, [h("p", { className: "summary-text" }, r.summary || "(no summary)")]);
  }
  for (const section of SECTIONS) renderSection(root, section);
}

function countText(evidence) {
  return evidence.length ? `${evidence.length} passage${evidence.length === 1 ? "" : "s"}` : "no evidence";
}

function renderSection(root, section) {
  const list = entries(section);
  const headId = uid("sec");
  append(root, [h("h3", { id: headId, className: "section-title" }, section.title,
    h("span", { className: "count" }, `(${list.length})`))]);
  const ul = h("ul", { className: "items", "aria-labelledby": headId });
  if (!list.length) append(ul, [h("li", { className: "item empty" }, `No ${section.noun}${section.single ? "" : "s"}.`)]);
  for (const entry of list) append(ul, [renderItem(entry)]);
  append(root, [ul]);
  if (section.key === "topics") append(root, [addTopicForm()]);
}

function renderItem(entry) {
  const { key, section, value, op } = entry;
  const wrong = op && op.action === "reject";
  const edited = op && op.action === "edit";
  const ungrounded = value.grounded === false;
  const mainId = uid("item");
  const li = h("li", {
    className: ["item", wrong && "is-wrong", edited && "is-edited", entry.added && "is-added", ungrounded && "is-ungrounded", state.selectedKey === key && "is-selected"].filter(Boolean).join(" "),
    dataset: { key },
  });
  const badges = [];
  if (section.badge) badges.push(h("span", { className: `badge status status-${section.badge(value)}` }, section.badge(value).replaceAll("_", " ")));
  if (ungrounded) badges.push(h("span", { className: "badge ungrounded" }, "ungrounded"));
  if (wrong) badges.push(h("span", { className: "badge wrong" }, "marked wrong"));
  if (edited) badges.push(h("span", { className: "badge edited" }, "edited"));
  if (entry.added) badges.push(h("span", { className: "badge added" }, "added"));
  append(li, [h("div", { className: "item-head" },
    h("button", {
      type: "button", className: "item-main", id: mainId, "aria-pressed": state.selectedKey === key ? "true" : "false",
      dataset: { key }, onclick: () => selectItem(key),
    }, section.label(value)),
    badges,
    section.noEvidence && !evidenceOf(entry).length ? null : h("span", { className: "ev-count" }, countText(evidenceOf(entry))))]);
  const meta = section.meta(value);
  if (meta) append(li, [h("div", { className: "item-meta" }, meta)]);
  if (edited) {
    const changes = Object.keys(op.fields).map((f) => `${f}: ${formatValue(entry.item[f])} → ${formatValue(op.fields[f])}`);
    append(li, [h("div", { className: "was" }, `Model said — ${changes.join("; ")}`)]);
  }
  const actions = h("div", { className: "item-actions" });
  if (entry.added) {
    append(actions, [h("button", { type: "button", "aria-describedby": mainId, onclick: () => removeAdded(entry.addedIndex) }, "Remove")]);
  } else {
    append(actions, [
      h("button", { type: "button", className: "act-wrong", "aria-pressed": wrong ? "true" : "false", "aria-describedby": mainId, onclick: () => toggleWrong(key) }, wrong ? "Marked wrong" : "Mark wrong"),
      h("button", { type: "button", className: "act-edit", "aria-expanded": state.editing === key ? "true" : "false", "aria-describedby": mainId, disabled: wrong, onclick: () => toggleEdit(key) }, "Edit"),
    ]);
    if (edited) append(actions, [h("button", { type: "button", "aria-describedby": mainId, onclick: () => revert(key) }, "Undo edit")]);
  }
  append(li, [actions]);
  if (state.editing === key && !wrong) append(li, [editForm(entry)]);
  return li;
}

function formatValue(v) {
  if (v === null || v === undefined || v === "") return "(none)";
  return Array.isArray(v) ? v.join(", ") : String(v);
}

function fieldInput(field, value, id) {
  if (field.options) {
    return h("select", { id, name: field.name },
      field.options.map((o) => h("option", { value: o, selected: o === value }, o.replaceAll("_", " "))));
  }
  if (field.long) return h("textarea", { id, name: field.name, rows: "3", value });
  return h("input", { id, name: field.name, type: "text", value, autocomplete: "off" });
}

function editForm(entry) {
  const { section, key } = entry;
  const form = h("form", { className: "edit-form", "aria-label": `Edit ${section.noun}` });
  for (const field of section.fields) {
    const id = uid("f");
    append(form, [h("label", { for: id }, field.label), fieldInput(field, fieldValue(entry.value, field), id)]);
  }
  append(form, [h("div", { className: "row" },
    h("button", { type: "submit" }, "Apply"),
    h("button", { type: "button", className: "secondary", onclick: () => { state.editing = null; rerender(key); } }, "Cancel"))]);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const fields = {};
    for (const field of section.fields) {
      const raw = form.elements[field.name].value;
      const next = parseField(field, raw);
      if (!sameValue(next, entry.item[field.name] ?? (field.list ? [] : null))) fields[field.name] = next;
    }
    if (Object.keys(fields).length) state.ops.set(key, { action: "edit", fields });
    else state.ops.delete(key);
    state.editing = null;
    setDirty(true);
    rerender(key);
  });
  queueMicrotask(() => { const first = form.querySelector("input, select, textarea"); if (first) first.focus(); });
  return form;
}

function rerender(focusKey) {
  renderAll();
  if (focusKey) {
    const btn = document.querySelector(`#results button.item-main[data-key="${CSS.escape(focusKey)}"]`);
    if (btn && !document.querySelector("#results .edit-form")) btn.focus();
  }
}

function toggleWrong(key) {
  const op = state.ops.get(key);
  if (op && op.action === "reject") state.ops.delete(key);
  else state.ops.set(key, { action: "reject", fields: {} });
  if (state.editing === key) state.editing = null;
  setDirty(true);
  rerender(key);
  const btn = document.querySelector(`#results li[data-key="${CSS.escape(key)}"] .act-wrong`);
  if (btn) btn.focus();
}

function toggleEdit(key) {
  state.editing = state.editing === key ? null : key;
  rerender(state.editing ? null : key);
}

function revert(key) {
  state.ops.delete(key);
  setDirty(true);
  rerender(key);
}

function removeAdded(i) {
  state.added.splice(i, 1);
  state.selectedKey = null;
  setDirty(true);
  rerender();
}

function addTopicForm() {
  const id = uid("topic");
  const form = h("form", { className: "row add-topic", "aria-label": "Add a missing topic" },
    h("label", { for: id }, "Add a missing topic"),
    h("input", { id, name: "label", type: "text", autocomplete: "off" }),
    h("button", { type: "submit", className: "secondary" }, "Add topic"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const label = form.elements.label.value.trim();
    if (!label) return;
    state.added.push({ section: "topics", fields: { label }, evidence: [] });
    setDirty(true);
    rerender();
  });
  return form;
}

// --- item ⇄ evidence -----------------------------------------------------------------------------

function allEntries() {
  return SECTIONS.flatMap((s) => entries(s));
}

function renderArticle() {
  const evidence = [];
  const r = state.result || {};
  (r.summary_sentences || []).forEach((s, i) => {
    for (const e of s.evidence || []) evidence.push({ start: e.start, end: e.end, key: `summary:${i}` });
  });
  for (const entry of allEntries()) {
    for (const e of evidenceOf(entry)) {
      evidence.push({ start: e.start, end: e.end, key: entry.key, added: Boolean(entry.added), ungrounded: entry.value.grounded === false });
    }
  }
  const meta = r.meta || {};
  article.render(state.source, { evidence, dropped: meta.dropped_spans || [], failed: meta.failed_ranges || [] });
  $("#article-note").textContent = state.source
    ? "Select a highlighted passage to see which items rest on it, or select any text to add a missing item."
    : "The article text is not available for this job.";
}

function selectItem(key, { scroll = true, focus = false } = {}) {
  state.selectedKey = key;
  for (const li of document.querySelectorAll("#results li.item")) {
    const on = li.dataset.key === key;
    li.classList.toggle("is-selected", on);
    li.classList.remove("is-linked");
    const btn = li.querySelector("button.item-main");
    if (btn) btn.setAttribute("aria-pressed", on ? "true" : "false");
    if (on && focus && btn) btn.focus();
  }
  const first = article.mark(key, { scroll });
  const label = labelOf(key);
  $("#article-note").textContent = first
    ? `Marked the evidence of “${label}”.`
    : `“${label}” has no evidence in the article.`;
}

function labelOf(key) {
  if (key.startsWith("summary:")) return "summary sentence";
  const entry = allEntries().find((e) => e.key === key);
  return entry ? entry.section.label(entry.value) : key;
}

function overlapping(start, end) {
  const keys = new Set();
  for (const m of document.querySelectorAll("#article mark.ev")) {
    const a = Number(m.dataset.start);
    const b = Number(m.dataset.end);
    if (a < end && b > start) for (const k of m.dataset.keys.split(" ")) keys.add(k);
  }
  return [...keys];
}

function showPassage(start, end) {
  const keys = overlapping(start, end);
  for (const li of document.querySelectorAll("#results li.item")) {
    li.classList.toggle("is-linked", keys.includes(li.dataset.key));
  }
  const panel = clear($("#selection-panel"));
  panel.hidden = false;
  const quote = article.slice(start, end);
  append(panel, [
    h("h3", {}, "Selected passage"),
    h("blockquote", { tabindex: "0", "aria-label": "Selected text" }, quote.length > 400 ? `${quote.slice(0, 400)}…` : quote),
  ]);
  if (keys.length) {
    append(panel, [h("p", {}, `${keys.length} item${keys.length === 1 ? " rests" : "s rest"} on this passage:`),
      h("ul", {}, keys.map((k) => h("li", {}, h("button", { type: "button", className: "link", onclick: () => goToItem(k) }, labelOf(k)))))]);
  } else {
    append(panel, [h("p", {}, "No item rests on this passage.")]);
  }
  append(panel, [addItemForm(start, end, quote),
    h("button", { type: "button", className: "secondary", onclick: closePassage }, "Close")]);
}

function closePassage() {
  $("#selection-panel").hidden = true;
  for (const li of document.querySelectorAll("#results li.is-linked")) li.classList.remove("is-linked");
  $("#article").focus();
}

function goToItem(key) {
  const li = document.querySelector(`#results li[data-key="${CSS.escape(key)}"]`);
  if (li) li.scrollIntoView({ block: "center" });
  selectItem(key, { scroll: false, focus: true });
}

function addItemForm(start, end, quote) {
  const form = h("form", { className: "add-item", "aria-label": "Add a missing item with this passage as evidence" });
  const selectId = uid("sec");
  const choices = SECTIONS.filter((s) => !s.noEvidence || (s.key === "event" && !state.result.event && !state.added.some((a) => a.section === "event")));
  const select = h("select", { id: selectId, name: "section" }, choices.map((s) => h("option", { value: s.key }, s.noun)));
  const fields = h("div", { className: "add-fields" });
  const draw = () => {
    clear(fields);
    const section = BY_KEY[select.value];
    for (const field of section.fields) {
      const id = uid("f");
      const initial = field.name === "note" ? quote : field.name === "status" ? "announced" : "";
      append(fields, [h("label", { for: id }, field.label), fieldInput(field, initial, id)]);
    }
  };
  select.addEventListener("change", draw);
  append(form, [h("h3", {}, "Add a missing item"), h("label", { for: selectId }, "Kind of item"), select, fields,
    h("div", { className: "row" }, h("button", { type: "submit" }, "Add item with this evidence"))]);
  draw();
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const section = BY_KEY[select.value];
    const values = {};
    for (const field of section.fields) {
      const v = parseField(field, form.elements[field.name].value);
      if (v !== null && !(Array.isArray(v) && !v.length)) values[field.name] = v;
    }
    const need = { participants: ["name", "role"], agreements: ["title"], geopolitical_notes: ["note"], event: ["name"] }[section.key] || [];
    if (need.length && !need.some((n) => values[n])) {
      setError(`An added ${section.noun} needs ${need.join(" or ")}.`);
      return;
    }
    setError("");
    state.added.push({ section: section.key, fields: values, evidence: section.noEvidence ? [] : [{ start, end, quote }] });
    const key = `added:${state.added.length - 1}`;
    setDirty(true);
    $("#selection-panel").hidden = true;
    renderAll();
    goToItem(key);
  });
  return form;
}

$("#article").addEventListener("mouseup", () => {
  const sel = article.selection();
  if (sel) showPassage(sel.start, sel.end);
});
$("#article").addEventListener("click", (ev) => {
  const mark = ev.target.closest("mark.ev");
  if (!mark || article.selection()) return;
  showPassage(Number(mark.dataset.start), Number(mark.dataset.end));
});
$("#article").addEventListener("keydown", (ev) => {
  const mark = ev.target.closest && ev.target.closest("mark.ev");
  if (mark && (ev.key === "Enter" || ev.key === " ")) {
    ev.preventDefault();
    showPassage(Number(mark.dataset.start), Number(mark.dataset.end));
  } else if (ev.key === "Escape") {
    $("#selection-panel").hidden = true;
  } else if (ev.key === "Enter") {
    const sel = article.selection(); // keyboard selection (caret browsing, shift+arrows)
    if (sel) { ev.preventDefault(); showPassage(sel.start, sel.end); }
  }
});

// Arrow keys move between items of the result panel.
$("#results").addEventListener("keydown", (ev) => {
  if (!ev.target.matches("button.item-main")) return;
  const buttons = [...document.querySelectorAll("#results button.item-main")];
  const i = buttons.indexOf(ev.target);
  let next = null;
  if (ev.key === "ArrowDown") next = buttons[i + 1];
  else if (ev.key === "ArrowUp") next = buttons[i - 1];
  else if (ev.key === "Home") next = buttons[0];
  else if (ev.key === "End") next = buttons[buttons.length - 1];
  if (next) {
    ev.preventDefault();
    next.focus();
    next.scrollIntoView({ block: "nearest" });
  }
});

// --- saving --------------------------------------------------------------------------------------

function correctionItems() {
  const items = [];
  for (const [key, op] of state.ops) {
    const [section, index] = key.split(":");
    items.push({ action: op.action, section, index: Number(index), fields: op.action === "edit" ? op.fields : {}, ...(op.comment ? { comment: op.comment } : {}) });
  }
  for (const a of state.added) {
    items.push({ action: "add", section: a.section, fields: a.fields, evidence: (a.evidence || []).map(({ start, end }) => ({ start, end })), ...(a.comment ? { comment: a.comment } : {}) });
  }
  return items;
}

$("#save").addEventListener("click", async () => {
  const status = $("#save-status");
  const btn = $("#save");
  btn.disabled = true;
  status.textContent = "Saving…";
  try {
    const comment = $("#save-comment").value.trim();
    const saved = await api.save(state.jobId, { base_version: state.version, items: correctionItems(), ...(comment ? { comment } : {}) });
    state.version = saved.version;
    setDirty(false);
    $("#save-comment").value = "";
    status.textContent = savedText(saved);
    loadVersions();
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      clear(status);
      append(status, [`Not saved: ${err.message} `, h("button", { type: "button", className: "secondary", onclick: () => openJob(state.jobId) }, "Reload the job")]);
    } else {
      status.textContent = `Not saved: ${err.message}`;
    }
  } finally {
    btn.disabled = false;
  }
});

window.addEventListener("beforeunload", (ev) => {
  if (state.dirty) { ev.preventDefault(); ev.returnValue = ""; }
});

// --- start ---------------------------------------------------------------------------------------

(async () => {
  if (session.key) {
    try {
      await signIn(session.key);
      openFromHash();
      return;
    } catch {
      /* the stored key no longer works: ask again */
    }
  }
  $("#api-key").focus();
})();
