// The three-column transcript view, made to be worked in with the keyboard as fast as a Word
// table: a line cursor, selections of lines narrowed to words, one key per kind of annotation,
// and every change shown in place (no reload), so focus, scroll and selection survive.
//
// Offsets: each line carries `data-u16`, the UTF-16 offset of its first character in the
// version's text (and `data-w16` where its words start, past a cue time and speaker label). A
// point is that plus the UTF-16 length of the line's text before it (JavaScript strings count
// UTF-16 units). The server converts to UTF-8 bytes.
//
// After a change the page asks `/transcripts/{id}/parts` for the lines and cards it touched,
// rendered by the server exactly as a reload would render them, and swaps them in. A long
// transcript's page comes with its first lines only, so that they show and the keys work at
// once; the same address gives the rest in chunks.

import { api, flash, inPlace, pending, typing } from "./common.js";
import { shown } from "./live.js";

const bench = document.getElementById("workbench");
const transcript = document.getElementById("transcript");
const selbar = document.getElementById("selbar");
const composer = document.getElementById("composer");
const extractor = document.getElementById("extractor");
const editor = document.getElementById("editor");
const keys = document.getElementById("keys");
const corrector = document.getElementById("corrector");
const status = document.getElementById("cursor-status");
const tid = bench.dataset.transcript;
/** How many lines the page has so far: a long transcript comes with its first lines, and the
 * rest follows in chunks (`loadRest`). Everything below works on the lines there are. */
let lineCount = transcript.querySelectorAll(".line").length;
const dialogs = [composer, extractor, editor, corrector, keys];

// ---------------------------------------------------------------------------------------------
// Lines and offsets

const line = (g) => document.getElementById(`L${g}`);
const startOf = (el) => Number(el.dataset.u16);
const wordsOf = (el) => Number(el.dataset.w16 ?? el.dataset.u16);
const textOf = (el) => el.querySelector(".lt").textContent;
const endOf = (el) => startOf(el) + textOf(el).length;

/** The global line holding UTF-16 offset `offset` (the last line starting at or before it). */
function lineAt(offset) {
  let lo = 1;
  let hi = lineCount;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (startOf(line(mid)) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The text between two offsets, lines joined by line breaks, as the quote will read. */
function textBetween(start, end) {
  const out = [];
  for (let g = lineAt(start); g <= lineCount; g++) {
    const el = line(g);
    const s = startOf(el);
    if (s >= end && out.length) break;
    const t = textOf(el);
    out.push(t.slice(Math.max(0, start - s), Math.max(0, Math.min(t.length, end - s))));
  }
  return out.join("\n");
}

/** The DOM position (text node and offset) of a UTF-16 offset. */
function domPoint(offset) {
  const el = line(lineAt(offset));
  const lt = el.querySelector(".lt");
  let rest = Math.max(0, Math.min(offset - startOf(el), textOf(el).length));
  const walker = document.createTreeWalker(lt, NodeFilter.SHOW_TEXT);
  let last = null;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    last = n;
    if (rest <= n.data.length) return [n, rest];
    rest -= n.data.length;
  }
  return last ? [last, last.data.length] : [lt, 0];
}

/** The UTF-16 offset of a DOM point inside the transcript. */
function pointOffset(node, offset) {
  const el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  const ln = el.closest(".line");
  if (!ln) {
    // A point between lines or on a page break: the start of the next line.
    let probe = node.nodeType === Node.ELEMENT_NODE && node.childNodes[offset] ? node.childNodes[offset] : el;
    while (probe && !probe.classList?.contains("line")) {
      probe = probe.nextElementSibling || probe.parentElement?.nextElementSibling;
    }
    return probe ? startOf(probe) : endOf(line(lineCount));
  }
  const lt = ln.querySelector(".lt");
  if (!lt.contains(node) && node !== lt) return startOf(ln);
  const r = document.createRange();
  r.setStart(lt, 0);
  r.setEnd(node, offset);
  return startOf(ln) + r.toString().length;
}

/** The current selection inside the transcript as UTF-16 offsets with its text, or null. */
function currentSelection() {
  const sel = window.getSelection();
  if (!sel || sel.isCollapsed || sel.rangeCount === 0) return null;
  const range = sel.getRangeAt(0);
  if (!transcript.contains(range.commonAncestorContainer)) return null;
  const start = pointOffset(range.startContainer, range.startOffset);
  const end = pointOffset(range.endContainer, range.endOffset);
  if (end <= start) return null;
  const text = textBetween(start, end);
  if (!text.trim()) return null;
  return { start, end, text };
}

/** Shows `[start, end)` as the page's selection. */
function select(start, end) {
  const [sn, so] = domPoint(start);
  const [en, eo] = domPoint(end);
  window.getSelection().setBaseAndExtent(sn, so, en, eo);
}

/** The selection, or else the whole line under the cursor (from where its words start). */
function selectionOrCursor() {
  const s = currentSelection();
  if (s) return s;
  if (!cursor) return null;
  const el = line(cursor);
  const start = wordsOf(el);
  const end = endOf(el);
  if (end <= start || !textBetween(start, end).trim()) return null;
  return { start, end, text: textBetween(start, end) };
}

/** The lines `[start, end)` covers, as a `first-last` range. */
const linesOf = (start, end) => `${lineAt(start)}-${lineAt(Math.max(start, end - 1))}`;

// ---------------------------------------------------------------------------------------------
// The line cursor and keyboard selection

let cursor = null;
let anchorLine = null;
const memory = `idg-reading:${location.pathname}:${bench.dataset.reader}`;
let saveTimer = null;

function say(g) {
  const el = line(g);
  status.textContent = `Line ${g}, page ${el.querySelector(".pl").textContent}: ${textOf(el)}`;
}

/** Scrolls the page just enough, and only up or down, for `el` to be seen below the sticky
 * headers (a wide line must not scroll the page sideways). */
function reveal(el, { center = false } = {}) {
  const r = el.getBoundingClientRect();
  const top = document.querySelector(".col-text .col-head").getBoundingClientRect().bottom + 8;
  const bottom = window.innerHeight - 16;
  if (center && (r.top < top || r.bottom > bottom)) window.scrollBy(0, r.top - (top + bottom) / 2);
  else if (r.top < top) window.scrollBy(0, r.top - top);
  else if (r.bottom > bottom) window.scrollBy(0, r.bottom - bottom);
}

/** Moves the line cursor to `g`; with `extend`, selects whole lines from where it started. */
function moveCursor(g, { extend = false } = {}) {
  let to = Math.max(1, Math.min(lineCount, g));
  if (extend && anchorLine === null) {
    // The first Shift+↑/↓ selects the cursor's own line; the next ones extend from it.
    anchorLine = cursor ?? to;
    to = anchorLine;
  }
  if (!extend) anchorLine = null;
  line(cursor)?.classList.remove("cursor");
  cursor = to;
  const el = line(to);
  el.classList.add("cursor");
  reveal(el);
  if (extend) {
    const a = Math.min(anchorLine, to);
    const b = Math.max(anchorLine, to);
    select(wordsOf(line(a)), endOf(line(b)));
    showSelbar();
  } else {
    window.getSelection().removeAllRanges();
    hideSelbar();
  }
  say(to);
  remember(to);
}

const WORD = /[\p{L}\p{N}\p{M}]+(?:['’-][\p{L}\p{N}\p{M}]+)*/gu;

/** The words of lines `first..=last` after their labels, as `[start, end)` offsets. */
function wordsIn(first, last) {
  const out = [];
  for (let g = Math.max(1, first); g <= Math.min(lineCount, last); g++) {
    const el = line(g);
    const base = startOf(el);
    for (const m of textOf(el).matchAll(WORD)) {
      if (base + m.index >= wordsOf(el)) out.push([base + m.index, base + m.index + m[0].length]);
    }
  }
  return out;
}

/** Moves one end of the selection by a word: the start (`which = 0`) or the end (`1`). */
function nudge(which, dir) {
  const s = currentSelection() || selectionOrCursor();
  if (!s) return;
  const words = wordsIn(lineAt(s.start) - 1, lineAt(s.end) + 1);
  let { start, end } = s;
  if (which === 0) {
    const next = dir > 0 ? words.find(([a]) => a > start) : words.findLast(([a]) => a < start);
    if (next && next[0] < end) start = next[0];
  } else {
    const next = dir > 0 ? words.find(([, b]) => b > end) : words.findLast(([, b]) => b < end);
    if (next && next[1] > start) end = next[1];
  }
  select(start, end);
  showSelbar();
  status.textContent = `Selected: ${textBetween(start, end)}`;
}

// ---------------------------------------------------------------------------------------------
// The toolbar under a selection: shown when the mouse button is released (never while
// dragging), below the selection, or above it where there is no room below.

function hideSelbar() {
  selbar.hidden = true;
}

function showSelbar() {
  const sel = window.getSelection();
  if (!currentSelection()) return hideSelbar();
  const rect = sel.getRangeAt(0).getBoundingClientRect();
  selbar.hidden = false;
  const h = selbar.offsetHeight;
  const below = rect.bottom + 8;
  const top = below + h > window.innerHeight && rect.top - h - 8 > 0 ? rect.top - h - 8 : below;
  selbar.style.top = `${top + window.scrollY}px`;
  selbar.style.left = `${Math.max(8, Math.min(rect.left, window.innerWidth - selbar.offsetWidth - 8) + window.scrollX)}px`;
}

let dragging = false;
transcript.addEventListener("mousedown", () => {
  dragging = true;
  hideSelbar();
});
document.addEventListener("mouseup", (e) => {
  if (!dragging) return;
  dragging = false;
  if (currentSelection()) {
    showSelbar();
    return;
  }
  // A plain click puts the cursor on the line, or cycles through the annotations there.
  const ln = e.target.closest?.(".line");
  if (ln && transcript.contains(ln)) {
    moveCursor(Number(ln.dataset.g));
    const seg = e.target.closest("[data-ids]");
    if (seg) cycle(seg);
  }
});
// A selection made otherwise (by a script, assistive technology or double-click) gets the
// toolbar too, once it settles; while the button is held, never.
let settle = null;
document.addEventListener("selectionchange", () => {
  clearTimeout(settle);
  if (dragging) return;
  settle = setTimeout(() => (currentSelection() ? showSelbar() : hideSelbar()), 60);
});
selbar.addEventListener("mousedown", (e) => e.preventDefault()); // keep the selection
selbar.addEventListener("click", (e) => {
  const b = e.target.closest("button[data-kind]");
  if (b) begin(b.dataset.kind);
});

// ---------------------------------------------------------------------------------------------
// Notes ticked for a statement developed from them

const picked = () => [...bench.querySelectorAll("input[data-pick]:checked")].map((b) => b.value);

function showPicked() {
  for (const box of bench.querySelectorAll("input[data-pick]")) {
    box.closest(".ann").classList.toggle("picked", box.checked);
  }
  bench.classList.toggle("picking", picked().length > 0);
}

bench.addEventListener("change", (e) => {
  if (e.target.matches("input[data-pick]")) showPicked();
});

function togglePick(card) {
  const box = card.querySelector("input[data-pick]");
  if (!box) return;
  box.checked = !box.checked;
  showPicked();
  flash(box.checked ? `${card.dataset.id} ticked for a statement (${picked().join(", ")}); press S to write it.` : `${card.dataset.id} unticked.`);
}

// ---------------------------------------------------------------------------------------------
// Making annotations

let target = null;

/** Starts an annotation of `kind` (a note kind, `statement` or `extract`). */
/** Where the recording is, in milliseconds, if the reader has been listening: a note begun now
 * keeps it (taken when the note is begun, not when it is saved, as the recording plays on). */
function heardNow() {
  const media = document.getElementById("media");
  return media && media.currentTime > 0 ? Math.round(media.currentTime * 1000) : undefined;
}

function begin(kind) {
  const notes = picked();
  const s = selectionOrCursor();
  if (kind === "extract") {
    if (!s) return flash("Select a passage of the transcript first, or put the cursor on a line.", "error");
    target = s;
    document.getElementById("extractor-quote").textContent = clip(s.text);
    openBox(extractor);
    return;
  }
  // With notes ticked and nothing selected, a statement takes the notes' own passages.
  const fromNotes = kind === "statement" && notes.length > 0;
  const passage = currentSelection() || (fromNotes ? null : s);
  if (!passage && !fromNotes) return flash("Select a passage of the transcript first, or put the cursor on a line.", "error");
  target = { ...(passage || {}), notes: kind === "statement" ? notes : [], heard: heardNow() };
  const quote = document.getElementById("composer-quote");
  quote.hidden = target.start === undefined;
  quote.textContent = target.start === undefined ? "" : clip(target.text);
  const list = document.getElementById("composer-notes");
  list.replaceChildren(
    ...target.notes.map((id) => {
      const li = document.createElement("li");
      const card = document.getElementById(`ann-${id}`);
      li.textContent = `${id} ${card?.querySelector(".kind")?.textContent ?? ""}, ${card?.querySelector(".where")?.textContent ?? ""}: ${card?.querySelector(".text")?.textContent ?? ""}`;
      return li;
    }),
  );
  list.hidden = target.notes.length === 0;
  document.getElementById("composer-h").textContent = fromNotes
    ? `${document.querySelector('#composer-kinds input[value="statement"]').parentElement.textContent.trim()} from ${target.notes.join(", ")}`
    : "New annotation";
  document.getElementById("composer-kinds").hidden = !passage;
  for (const r of composer.querySelectorAll('input[name="kind"]')) r.checked = r.value === kind;
  document.getElementById("composer-text").value = "";
  openBox(composer);
  document.getElementById("composer-text").focus();
}

/** Opens a writing box (composer, extractor, editor) over the page. Not as a modal dialog: a
 * modal one makes the whole document inert and back, a restyle of every element (150 ms on a
 * transcript with 2,000 notes) on each open and close. It still behaves as one: the focus stays
 * inside (Tab cycles), Escape cancels, and closing gives the focus back. */
function openBox(dialog) {
  const from = document.activeElement;
  dialog.returnValue = "";
  dialog.show();
  dialog.querySelector("textarea, select, input:checked, input, button")?.focus();
  dialog.addEventListener("close", () => from?.focus?.({ preventScroll: true }), { once: true });
}

for (const dialog of [composer, extractor, editor, corrector]) {
  dialog.setAttribute("aria-modal", "true");
  dialog.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      dialog.close("cancel");
    } else if (e.key === "Tab") {
      const stops = [...dialog.querySelectorAll("button, input, select, textarea")].filter((el) => !el.disabled && el.offsetParent);
      const [first, last] = [stops[0], stops[stops.length - 1]];
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  });
}

const clip = (text) => (text.length > 400 ? text.slice(0, 400) + "…" : text);

composer.addEventListener("close", async () => {
  if (composer.returnValue !== "save" || !target) return;
  const kind = composer.querySelector('input[name="kind"]:checked')?.value || "free";
  const text = document.getElementById("composer-text").value;
  const t = target;
  target = null;
  const passage = t.start === undefined ? {} : { transcript: tid, version: bench.dataset.version, start: t.start, end: t.end, unit: "utf16", heard_ms: t.heard };
  hideSelbar();
  if (kind === "statement") {
    const lines = t.start === undefined ? [] : [linesOf(t.start, t.end)];
    for (const id of t.notes) lines.push(document.getElementById(`ann-${id}`)?.dataset.spans ?? "");
    const d = await change("POST", "/api/v1/statements", { ...passage, text, from_notes: t.notes }, (made) => ({ lines, cards: [made.id] }));
    if (d) {
      for (const box of bench.querySelectorAll("input[data-pick]:checked")) box.checked = false;
      showPicked();
      flash(`Added ${d.id}${t.notes.length ? ` from ${t.notes.join(", ")}` : ""}.`);
    }
  } else {
    const d = await change("POST", "/api/v1/notes", { ...passage, kind, text }, (made) => ({ lines: [linesOf(t.start, t.end)], cards: [made.id] }));
    if (d) flash(`Added ${d.kind} note ${d.id}.`);
  }
});

extractor.addEventListener("close", async () => {
  if (extractor.returnValue !== "save" || !target) return;
  const t = target;
  target = null;
  const theme = document.getElementById("extractor-theme").value;
  const body = { transcript: tid, version: bench.dataset.version, start: t.start, end: t.end, unit: "utf16", theme };
  const d = await change("POST", "/api/v1/extracts", body, { lines: [linesOf(t.start, t.end)] });
  if (d) flash(`Marked ${d.id} for ${theme}: ${d.citation}.`);
});

// ---------------------------------------------------------------------------------------------
// Correcting the words while listening: C opens the selection's or the cursor's line, its
// recording plays (listen.js), Ctrl+Enter saves a new version and opens the next line.

/** The exact text of `[start, end)`: lines joined as the text joins them (a soft wrap adds
 * nothing, a line end a line break), unlike `textBetween`, which shows a quote. */
function exactText(start, end) {
  let out = "";
  let last = null;
  for (let g = lineAt(start); g <= lineCount; g++) {
    const el = line(g);
    const s = startOf(el);
    if (s >= end && last) break;
    if (last) out += "\n".repeat(Math.max(0, Math.min(s, end) - endOf(last)));
    out += textOf(el).slice(Math.max(0, start - s), Math.max(0, Math.min(textOf(el).length, end - s)));
    last = el;
  }
  return out;
}

const NEXT_CORRECTION = `idg-correct-next:${location.pathname}`;
let correcting = null;

function correct() {
  const s = selectionOrCursor();
  if (!s) return flash("Put the cursor on a line with words, or select the words to correct.", "error");
  correcting = { start: s.start, end: s.end, first: lineAt(s.start), last: lineAt(Math.max(s.start, s.end - 1)) };
  const where = correcting.first === correcting.last ? `Line ${correcting.first}` : `Lines ${correcting.first}–${correcting.last}`;
  document.getElementById("corrector-where").textContent = `${where}, as transcribed:`;
  document.getElementById("corrector-text").value = exactText(s.start, s.end);
  openBox(corrector);
  document.dispatchEvent(new CustomEvent("idg:listen", { detail: { line: correcting.first } }));
}

document.getElementById("corrector-play")?.addEventListener("click", () => {
  if (correcting) document.dispatchEvent(new CustomEvent("idg:listen", { detail: { line: correcting.first } }));
});

corrector.addEventListener("keydown", (e) => {
  if (e.altKey && e.key.toLowerCase() === "p") {
    e.preventDefault();
    document.dispatchEvent(new CustomEvent("idg:listen", { detail: { toggle: true } }));
  }
});

corrector.addEventListener("close", async () => {
  const c = correcting;
  correcting = null;
  if (corrector.returnValue !== "save" || !c) return;
  const text = document.getElementById("corrector-text").value;
  try {
    await api("POST", "/api/v1/corrections", { transcript: tid, version: bench.dataset.version, start: c.start, end: c.end, unit: "utf16", text });
  } catch (err) {
    return flash(`Not corrected: ${err.message}`, "error");
  }
  // The next line with words opens once the new version is shown.
  let next = c.last + 1;
  while (next <= lineCount && !textOf(line(next)).trim()) next++;
  if (next <= lineCount) sessionStorage.setItem(NEXT_CORRECTION, String(next));
  location.reload();
});

// Ctrl+Enter saves from any box of the dialogs.
for (const dialog of [composer, editor, corrector]) {
  dialog.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      const form = dialog.querySelector("form");
      if (form.reportValidity()) dialog.close("save");
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Editing and deleting

let editing = null;

function openEditor(card) {
  // The revision shown when editing began: a colleague's change arriving meanwhile (shown in
  // place behind the dialog) makes the save a conflict, never a silent overwrite.
  editing = { id: card.dataset.id, revision: card.dataset.revision };
  const isNote = card.classList.contains("note");
  document.getElementById("editor-kinds").hidden = !isNote;
  for (const r of editor.querySelectorAll('input[name="kind"]')) r.checked = r.value === card.dataset.kind;
  document.getElementById("editor-text").value = card.querySelector(".text").textContent;
  document.getElementById("editor-h").textContent = `Edit ${card.dataset.id}`;
  openBox(editor);
  document.getElementById("editor-text").focus();
}

editor.addEventListener("close", async () => {
  const { id, revision } = editing ?? {};
  editing = null;
  const card = id && document.getElementById(`ann-${id}`);
  if (editor.returnValue !== "save" || !card) return;
  const text = document.getElementById("editor-text").value;
  const note = card.classList.contains("note");
  const body = note ? { text, kind: editor.querySelector('input[name="kind"]:checked')?.value } : { text };
  const url = `/api/v1/${note ? "notes" : "statements"}/${id}`;
  const d = await change("PATCH", url, body, { lines: [card.dataset.spans], cards: [id], focus: `ann-${id}` }, revision);
  if (d) flash(`Saved ${id}.`);
});

async function remove(card) {
  const id = card.dataset.id;
  const note = card.classList.contains("note");
  const cards = [id];
  // Statements developed from a note name it: they change with it.
  if (note) for (const s of bench.querySelectorAll(`.ann.stmt [data-goto="${id}"]`)) cards.push(s.closest(".ann").dataset.id);
  const list = cardsInOrder();
  const next = list[list.indexOf(card) + 1] || list[list.indexOf(card) - 1];
  const url = `/api/v1/${note ? "notes" : "statements"}/${id}`;
  const d = await change("DELETE", url, undefined, { lines: [card.dataset.spans], cards, focus: next ? next.id : "transcript" }, card.dataset.revision);
  if (d) flash(`Deleted ${id}. Ctrl+Z brings it back.`);
}

/** Runs one change through the API, then shows what it touched in place (`touched`: the lines
 * and cards, or a function of the reply giving them). A change refused because someone else
 * changed the object first shows their version, with the message. */
async function change(method, url, body, touched, revision) {
  pending.count++;
  try {
    const before = shown.seq;
    const data = await api(method, url, body, revision);
    const parts = await refresh(typeof touched === "function" ? touched(data) : touched);
    // One change is one command: a gap means someone else's came in between, unannounced
    // (live events are not offered while a change of this page is in flight).
    if (parts && parts.seq > before + 1) await refresh({ all: true });
    return data;
  } catch (e) {
    if (e.status === 409 && typeof touched !== "function") await refresh({ ...touched, focus: undefined });
    flash(e.message, "error");
    return null;
  } finally {
    pending.count--;
  }
}

// ---------------------------------------------------------------------------------------------
// Showing changes in place

/** Fetches the parts of the page that changed (`lines`: ranges such as `12-14`, `cards`: ids,
 * `objects`: stable ids from a live event; or `all`) and puts them in place, keeping the
 * selection, the cursor and the focus. */
async function refresh({ lines = [], cards = [], objects = [], all = false, focus } = {}) {
  if (all) await loading;
  const list = (xs) => encodeURIComponent(xs.filter(Boolean).join(","));
  const query = all ? "all=true" : `lines=${list(lines)}&cards=${list(cards)}&objects=${list(objects)}`;
  const parts = await api("GET", `/transcripts/${tid}/parts?${query}`);
  if (parts.version !== bench.dataset.version) {
    // The text itself changed (pseudonymised): only a new page shows it truthfully.
    location.reload();
    return;
  }
  const sel = currentSelection();
  const focused = focus ?? document.activeElement?.id;
  const ticked = new Set(picked());
  for (const { g, html } of parts.lines) line(g)?.replaceWith(fragment(html));
  if (parts.all) for (const old of bench.querySelectorAll(".ann")) old.remove();
  for (const c of parts.cards) {
    const el = fragment(c.html);
    const old = document.getElementById(`ann-${c.id}`);
    if (old) old.replaceWith(el);
    else place(bench.querySelector(`[data-list="${c.list}"]`), el);
  }
  for (const id of parts.gone) document.getElementById(`ann-${id}`)?.remove();
  for (const [kind, n] of Object.entries(parts.counts)) {
    const count = document.querySelector(`[data-count="${kind}"]`);
    if (count) count.textContent = n;
  }
  for (const box of bench.querySelectorAll("input[data-pick]")) box.checked = ticked.has(box.value);
  showPicked();
  if (cursor) line(cursor)?.classList.add("cursor");
  if (sel) select(sel.start, sel.end);
  shown.seq = Math.max(shown.seq, parts.seq);
  extractKeys = new Set(parts.extracts);
  filterNotes();
  if (focused) document.getElementById(focused)?.focus({ preventScroll: true });
  return parts;
}

function fragment(html) {
  const t = document.createElement("template");
  t.innerHTML = html;
  return t.content.firstElementChild;
}

/** Puts a new card into its list in line order. */
function place(list, card) {
  const at = Number(card.dataset.line);
  const after = [...list.querySelectorAll(".ann")].find((c) => Number(c.dataset.line) > at);
  list.insertBefore(card, after || null);
}

inPlace.refresh = () => refresh({ all: true });

// Someone else's change: shown in place at once (nothing the reader types is lost: dialogs and
// the selection stay), and named in the status line. A change to notes, statements or extracts
// re-reads just those cards and lines; anything else (themes, a new version, many changes at
// once) re-reads the page's parts whole.
const ANNOTATIONS = new Set(["note", "statement", "extract"]);
let extractKeys = new Set(bench.dataset.extracts.split(" ").filter(Boolean));
let heardLive = [];
let liveTimer = null;
bench.addEventListener("idg:change", (e) => {
  e.preventDefault();
  heardLive.push(e.detail);
  clearTimeout(liveTimer);
  liveTimer = setTimeout(showLive, 120);
});

async function showLive() {
  const changes = heardLive;
  heardLive = [];
  const narrow = changes.every((c) => c && !c.more_objects && c.objects.every((o) => ANNOTATIONS.has(o.kind)));
  let parts = null;
  if (narrow) {
    const keys = [...new Set(changes.flatMap((c) => c.objects.map((o) => o.id)))];
    const lines = keys.map((k) => bench.querySelector(`.ann[data-key="${CSS.escape(k)}"]`)?.dataset.spans ?? "");
    parts = await refresh({ objects: keys, lines });
    for (const key of parts?.gone_objects ?? []) {
      const card = bench.querySelector(`.ann[data-key="${CSS.escape(key)}"]`);
      if (card) card.remove();
      // A deleted extract of this page leaves no card to say where it was: only the whole page
      // does. (Anything else not here is another transcript's.)
      else if (extractKeys.has(key)) {
        parts = null;
        break;
      }
    }
    if (parts) layout();
  }
  if (!parts) await refresh({ all: true });
  const last = changes[changes.length - 1];
  if (last) flash(`Updated: ${last.summary || last.action} — by ${last.author}${changes.length > 1 ? ` (and ${changes.length - 1} more)` : ""}.`);
}

// ---------------------------------------------------------------------------------------------
// Cards beside their lines

/** Aligns each annotation card with its first line, stacking downward when they collide. */
function layout() {
  const lists = [...document.querySelectorAll(".ann-list")];
  const textHeight = transcript.offsetHeight;
  const plans = lists.map((list) => {
    const listTop = list.getBoundingClientRect().top + window.scrollY;
    const cards = [...list.querySelectorAll(".ann")].filter((c) => !c.hidden && c.offsetParent);
    return {
      list,
      cards: cards
        .filter((c) => {
          // A card on a line still to come (a colleague's, while the page loads) waits for it.
          c.classList.toggle("unplaced", !line(c.dataset.line));
          return !!line(c.dataset.line);
        })
        .map((c) => {
          const top = line(c.dataset.line).getBoundingClientRect().top + window.scrollY - listTop;
          return { c, top, h: c.offsetHeight };
        }),
    };
  });
  for (const { list, cards } of plans) {
    let bottom = 0;
    for (const { c, top, h } of cards) {
      const y = Math.max(top, bottom);
      // Only a card that moves is written: after one change most stay where they are, and each
      // write costs a restyle.
      if (c.style.top !== `${y}px`) c.style.top = `${y}px`;
      bottom = y + h + 6;
    }
    const height = `${Math.max(bottom, textHeight)}px`;
    if (list.style.height !== height) list.style.height = height;
    list.classList.add("aligned");
  }
}

/** Shrinks the transcript's font (to 75 % at most) so its longest line fits beside the notes. */
function fit() {
  const topbar = document.querySelector(".topbar");
  const sticky = getComputedStyle(topbar).position === "sticky";
  document.documentElement.style.setProperty("--topbar-h", `${sticky ? topbar.offsetHeight : 0}px`);
  transcript.style.setProperty("--fit", "1");
  const need = transcript.scrollWidth;
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize);
  const statements = document.getElementById("col-statements");
  const beside = 15 * rem + (statements.offsetParent ? 11 * rem : 0);
  const room = bench.clientWidth - beside;
  transcript.style.setProperty("--fit", String(Math.max(0.75, Math.min(1, room / need))));
}

function cardsInOrder() {
  return [...document.querySelectorAll(".ann")]
    .filter((c) => !c.hidden && c.offsetParent)
    .sort((a, b) => a.dataset.line - b.dataset.line || (a.classList.contains("stmt") ? -1 : 1));
}

function activate(id, { scrollText = false, focusCard = false } = {}) {
  for (const el of document.querySelectorAll(".active")) el.classList.remove("active");
  if (!id) return;
  const segs = transcript.querySelectorAll(`[data-ids~="${CSS.escape(id)}"]`);
  for (const s of segs) s.classList.add("active");
  const card = document.getElementById(`ann-${id}`);
  if (card) {
    card.classList.add("active");
    if (focusCard) card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "nearest" });
  }
  if (scrollText && segs[0]) reveal(segs[0].closest(".line"));
}

/** Clicking a marked segment again cycles through the annotations that cover it. */
function cycle(seg) {
  const ids = seg.dataset.ids.split(" ").filter((id) => {
    const c = document.getElementById(`ann-${id}`);
    return c && !c.hidden;
  });
  if (ids.length === 0) return;
  const current = ids.findIndex((id) => document.getElementById(`ann-${id}`).classList.contains("active"));
  activate(ids[(current + 1) % ids.length]);
}

for (const list of document.querySelectorAll(".ann-list")) {
  list.addEventListener("click", (e) => {
    const card = e.target.closest(".ann");
    if (!card) return;
    if (e.target.closest("[data-edit]")) return openEditor(card);
    if (e.target.closest("[data-delete]")) return remove(card);
    const goto = e.target.closest("[data-goto]");
    if (goto) {
      e.preventDefault();
      return activate(goto.dataset.goto, { scrollText: true, focusCard: true });
    }
    if (!e.target.closest("a, button, label, input")) activate(card.dataset.id, { scrollText: true });
  });
  list.addEventListener("focusin", (e) => {
    const card = e.target.closest(".ann");
    if (card && e.target === card) activate(card.dataset.id, { scrollText: true });
  });
}

/** Gives each column one Tab stop, its current card (the one last in focus, else its first):
 * thousands of cards would otherwise stand between the transcript and the rest of the page. */
function tabStops() {
  for (const list of bench.querySelectorAll(".ann-list")) {
    const cards = [...list.querySelectorAll(".ann")];
    const current = cards.find((c) => c.classList.contains("current")) || cards.find((c) => !c.hidden);
    for (const c of cards) {
      const stop = c === current ? 0 : -1;
      if (c.tabIndex !== stop) c.tabIndex = stop;
    }
  }
}

bench.addEventListener("focusin", (e) => {
  const card = e.target.closest?.(".ann");
  if (!card) return;
  for (const c of card.parentElement.querySelectorAll(".ann.current")) c.classList.remove("current");
  card.classList.add("current");
  tabStops();
});

/** Shows the notes whose kind and whose analyst are both ticked. */
function filterNotes() {
  const off = (attr) =>
    new Set([...document.querySelectorAll(`input[${attr}]`)].filter((b) => !b.checked).map((b) => b.getAttribute(attr)));
  const kinds = off("data-filter");
  const authors = off("data-author-filter");
  for (const c of document.querySelectorAll(".note")) c.hidden = kinds.has(c.dataset.kind) || authors.has(c.dataset.author);
  for (const box of document.querySelectorAll("input[data-filter]")) {
    bench.classList.toggle(`hide-${box.dataset.filter}`, !box.checked);
  }
  tabStops();
  layout();
}

for (const box of document.querySelectorAll("input[data-filter], input[data-author-filter]")) {
  box.addEventListener("change", filterNotes);
}

const toggle = document.getElementById("statements-toggle");
toggle.addEventListener("click", () => {
  const open = bench.classList.toggle("show-statements");
  toggle.setAttribute("aria-expanded", String(open));
  toggle.textContent = toggle.textContent.replace(/^(Show|Hide)/, open ? "Hide" : "Show");
  fit();
  layout();
});

// ---------------------------------------------------------------------------------------------
// Keys

/** The annotation under the cursor that Enter edits: the first one shown on the line. */
function underCursor() {
  if (!cursor) return null;
  for (const seg of line(cursor).querySelectorAll("[data-ids]")) {
    for (const id of seg.dataset.ids.split(" ")) {
      const card = document.getElementById(`ann-${id}`);
      if (card && !card.hidden) return card;
    }
  }
  return null;
}

const NOTE_KEYS = { 1: "descriptive", 2: "linguistic", 3: "conceptual", s: "statement", e: "extract" };

document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || typing(e) || dialogs.some((d) => d.open)) return;
  const inText = document.activeElement === transcript;
  const card = document.activeElement?.closest?.(".ann");
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (e.altKey) {
    if (inText && (key === "ArrowLeft" || key === "ArrowRight")) {
      e.preventDefault();
      nudge(0, key === "ArrowRight" ? 1 : -1);
    }
    return;
  }
  if (inText) {
    const page = Math.max(1, Math.floor(window.innerHeight / (line(1).offsetHeight || 24)) - 4);
    const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    if (key in moves) {
      e.preventDefault();
      return moveCursor((cursor ?? topLine()) + moves[key], { extend: e.shiftKey && (key === "ArrowDown" || key === "ArrowUp") });
    }
    if (key === "Home" || key === "End") {
      e.preventDefault();
      return moveCursor(key === "Home" ? 1 : lineCount, { extend: e.shiftKey });
    }
    if (e.shiftKey && (key === "ArrowLeft" || key === "ArrowRight")) {
      e.preventDefault();
      return nudge(1, key === "ArrowRight" ? 1 : -1);
    }
    if (key === "Enter") {
      const under = underCursor();
      if (under) {
        e.preventDefault();
        return openEditor(under);
      }
    }
  }
  if (card && !e.shiftKey && (key === "x" || key === " ") && card.classList.contains("note")) {
    e.preventDefault();
    return togglePick(card);
  }
  if (card && key === "Enter" && e.target === card) {
    e.preventDefault();
    return openEditor(card);
  }
  if (card && key === "Delete" && e.target === card) {
    e.preventDefault();
    return remove(card);
  }
  if (key in NOTE_KEYS && (inText || currentSelection() || (key === "s" && picked().length))) {
    e.preventDefault();
    return begin(NOTE_KEYS[key]);
  }
  if (key === "c" && (inText || currentSelection())) {
    e.preventDefault();
    return correct();
  }
  if (key === "j" || key === "k") {
    e.preventDefault();
    const list = cardsInOrder();
    if (list.length === 0) return;
    let at = list.indexOf(card);
    if (at < 0 && cursor) {
      // From the transcript: the first annotation at or after (J), or before (K), the cursor.
      at = key === "j" ? list.findIndex((c) => Number(c.dataset.line) >= cursor) - 1 : list.findLastIndex((c) => Number(c.dataset.line) <= cursor) + 1;
      if (key === "j" && at === -2) at = list.length - 1;
    }
    const next = at < 0 && !cursor ? (key === "j" ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + (key === "j" ? 1 : -1)));
    return activate(list[next].dataset.id, { scrollText: true, focusCard: true });
  }
  if (key === "?") {
    e.preventDefault();
    return keys.showModal();
  }
  if (key === "Escape") {
    hideSelbar();
    window.getSelection().removeAllRanges();
    activate(null);
    if (card) {
      moveCursor(Number(card.dataset.line));
      transcript.focus({ preventScroll: true });
    }
  }
});

document.querySelector("[data-keys]").addEventListener("click", () => keys.showModal());

transcript.addEventListener("focus", () => {
  if (cursor !== null) return;
  moveCursor(topLine());
  clearTimeout(saveTimer); // where the page opened is not where the reader was
});
// Reading starts in the transcript: it takes focus, so the arrow keys work at once.
if (!location.hash) transcript.focus({ preventScroll: true });

// ---------------------------------------------------------------------------------------------
// Where the reader was: kept in this browser per reader and transcript, offered on return.


function remember(g) {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => localStorage.setItem(memory, JSON.stringify({ line: g, at: Date.now() })), 400);
}

/** The first line fully below the sticky headers. */
function topLine() {
  const below = document.querySelector(".col-text .col-head").getBoundingClientRect().bottom;
  let lo = 1;
  let hi = lineCount;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (line(mid).getBoundingClientRect().top < below) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// A reader who scrolls past the cursor (with the mouse) is reading where the screen is.
window.addEventListener(
  "scroll",
  () => {
    const r = cursor && line(cursor).getBoundingClientRect();
    if (!r || r.bottom < 0 || r.top > window.innerHeight) remember(topLine());
  },
  { passive: true },
);

function offerReturn() {
  let saved = null;
  try {
    saved = JSON.parse(localStorage.getItem(memory));
  } catch (_) {}
  if (!saved || !line(saved.line) || saved.line <= 3 || location.hash) return;
  const banner = document.getElementById("resume");
  const when = new Date(saved.at).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  banner.querySelector("span").textContent = `You were reading at line ${saved.line} (page ${line(saved.line).querySelector(".pl").textContent}) on ${when}.`;
  banner.hidden = false;
  document.getElementById("resume-go").addEventListener("click", () => {
    banner.hidden = true;
    transcript.focus({ preventScroll: true });
    moveCursor(saved.line);
    reveal(line(saved.line), { center: true });
  });
  document.getElementById("resume-no").addEventListener("click", () => {
    banner.hidden = true;
    localStorage.removeItem(memory);
  });
}

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// The rest of a long transcript

const nextFrame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));

/** Fetches the lines the page came without, a chunk at a time, each with the cards that start
 * on it; between chunks the keys and the mouse are served. */
async function loadRest(more) {
  const step = line(1).offsetHeight || 27;
  const room = () => (more.style.height = `${(Number(bench.dataset.lines) - lineCount) * step}px`);
  room();
  await nextFrame(); // the first lines are painted first
  while (lineCount < Number(bench.dataset.lines)) {
    const to = Math.min(Number(bench.dataset.lines), lineCount + 300);
    const part = await api("GET", `/transcripts/${tid}/parts?from=${lineCount + 1}&to=${to}`);
    if (part.version !== bench.dataset.version) return location.reload();
    more.insertAdjacentHTML("beforebegin", part.html);
    for (const c of part.cards) {
      const el = fragment(c.html);
      const there = document.getElementById(`ann-${c.id}`);
      if (there) there.replaceWith(el);
      else bench.querySelector(`[data-list="${c.list}"]`).append(el);
    }
    lineCount = to;
    room();
    filterNotes();
    await nextFrame();
  }
  more.remove();
  fit();
  layout();
  // A link to a line that came with a chunk (a search hit deep in the text): go there now, as
  // the browser would have on arrival.
  const target = location.hash && document.getElementById(location.hash.slice(1));
  if (target && !target.matches(":target")) location.replace(location.hash);
}

window.addEventListener("resize", () => {
  fit();
  layout();
});
fit();
tabStops();
layout();
if (document.fonts) document.fonts.ready.then(() => (fit(), layout()));
performance.mark("idg:ready");
const more = document.getElementById("more-lines");
const loading = (more ? loadRest(more) : Promise.resolve()).then(() => {
  bench.dataset.complete = "true";
  performance.mark("idg:complete");
  const next = Number(sessionStorage.getItem(NEXT_CORRECTION));
  sessionStorage.removeItem(NEXT_CORRECTION);
  if (next && line(next)) {
    transcript.focus({ preventScroll: true });
    moveCursor(next);
    reveal(line(next), { center: true });
    return correct();
  }
  offerReturn();
});
