// The three-column transcript view: aligns each annotation with the first line it anchors,
// turns a text selection into a note or statement, links annotations and their spans both
// ways, filters notes by kind and moves between annotations with the keyboard.
//
// Offsets: each line carries `data-u16`, the UTF-16 offset of its first character in the
// version's text. A selection point is that plus the UTF-16 length of the line's text before
// it (JavaScript strings count UTF-16 units). The server converts to UTF-8 bytes.

import { act, flash, typing } from "./common.js";
import "./live.js";

const bench = document.getElementById("workbench");
const transcript = document.getElementById("transcript");
const selbar = document.getElementById("selbar");
const composer = document.getElementById("composer");
const editor = document.getElementById("editor");
let pending = null;
let editing = null;

/** The UTF-16 offset in the version's text of a DOM point inside the transcript. */
function pointOffset(node, offset) {
  const el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  let line = el.closest(".line");
  if (!line) {
    // A point between lines or on a page break: the start of the next line.
    let probe = node.nodeType === Node.ELEMENT_NODE && node.childNodes[offset] ? node.childNodes[offset] : el;
    while (probe && !(probe.classList && probe.classList.contains("line"))) {
      probe = probe.nextElementSibling || probe.parentElement?.nextElementSibling;
    }
    if (!probe) {
      const lines = transcript.querySelectorAll(".line");
      const last = lines[lines.length - 1];
      return Number(last.dataset.u16) + last.querySelector(".lt").textContent.length;
    }
    return Number(probe.dataset.u16);
  }
  const lt = line.querySelector(".lt");
  const base = Number(line.dataset.u16);
  if (!lt.contains(node) && node !== lt) return base;
  const r = document.createRange();
  r.setStart(lt, 0);
  r.setEnd(node, offset);
  return base + r.toString().length;
}

/** The current selection inside the transcript as UTF-16 offsets and its text, or null. */
function currentSelection() {
  const sel = window.getSelection();
  if (!sel || sel.isCollapsed || sel.rangeCount === 0) return null;
  const range = sel.getRangeAt(0);
  if (!transcript.contains(range.commonAncestorContainer)) return null;
  const start = pointOffset(range.startContainer, range.startOffset);
  const end = pointOffset(range.endContainer, range.endOffset);
  if (end <= start) return null;
  const text = sel.toString();
  if (!text.trim()) return null;
  return { start, end, text, rect: range.getBoundingClientRect() };
}

function hideSelbar() {
  selbar.hidden = true;
}

function showSelbar() {
  const s = currentSelection();
  if (!s) {
    if (!composer.open) hideSelbar();
    return;
  }
  pending = s;
  selbar.hidden = false;
  selbar.style.top = `${s.rect.bottom + window.scrollY + 8}px`;
  selbar.style.left = `${Math.max(8, s.rect.left + window.scrollX)}px`;
}

let selTimer = null;
document.addEventListener("selectionchange", () => {
  clearTimeout(selTimer);
  selTimer = setTimeout(showSelbar, 60);
});

function openComposer(kind) {
  const s = currentSelection() || pending;
  if (!s) {
    flash("Select a passage of the transcript first.", "error");
    return;
  }
  pending = s;
  document.getElementById("composer-quote").textContent = s.text.length > 400 ? s.text.slice(0, 400) + "…" : s.text;
  for (const r of composer.querySelectorAll('input[name="kind"]')) r.checked = r.value === kind;
  document.getElementById("composer-text").value = "";
  composer.returnValue = "";
  composer.showModal();
  document.getElementById("composer-text").focus();
}

selbar.addEventListener("mousedown", (e) => e.preventDefault()); // keep the selection
selbar.addEventListener("click", (e) => {
  const b = e.target.closest("button[data-kind]");
  if (b) openComposer(b.dataset.kind);
});

composer.addEventListener("close", async () => {
  if (composer.returnValue !== "save" || !pending) return;
  const kind = composer.querySelector('input[name="kind"]:checked')?.value || "free";
  const text = document.getElementById("composer-text").value;
  const body = {
    transcript: bench.dataset.transcript,
    version: bench.dataset.version,
    start: pending.start,
    end: pending.end,
    unit: "utf16",
    text,
  };
  hideSelbar();
  if (kind === "statement") {
    await act("POST", "/api/v1/statements", body, (d) => `Added ${d.id}.`);
  } else {
    await act("POST", "/api/v1/notes", { ...body, kind }, (d) => `Added ${d.kind} note ${d.id}.`);
  }
});

function openEditor(card) {
  editing = card;
  const isNote = card.classList.contains("note");
  document.getElementById("editor-kinds").hidden = !isNote;
  for (const r of editor.querySelectorAll('input[name="kind"]')) r.checked = r.value === card.dataset.kind;
  document.getElementById("editor-text").value = card.querySelector(".text").textContent;
  document.getElementById("editor-h").textContent = `Edit ${card.dataset.id}`;
  editor.returnValue = "";
  editor.showModal();
  document.getElementById("editor-text").focus();
}

editor.addEventListener("close", async () => {
  if (editor.returnValue !== "save" || !editing) return;
  const id = editing.dataset.id;
  const text = document.getElementById("editor-text").value;
  if (editing.classList.contains("note")) {
    const kind = editor.querySelector('input[name="kind"]:checked')?.value;
    await act("PATCH", `/api/v1/notes/${id}`, { text, kind }, `Saved ${id}.`, editing.dataset.revision);
  } else {
    await act("PATCH", `/api/v1/statements/${id}`, { text }, `Saved ${id}.`, editing.dataset.revision);
  }
});

/** Aligns each annotation card with its first line, stacking downward when they collide. */
function layout() {
  const lists = [...document.querySelectorAll(".ann-list")];
  const textHeight = transcript.offsetHeight;
  const plans = lists.map((list) => {
    const listTop = list.getBoundingClientRect().top + window.scrollY;
    const cards = [...list.querySelectorAll(".ann")].filter((c) => !c.hidden);
    return {
      list,
      cards: cards.map((c) => {
        const line = document.getElementById(`L${c.dataset.line}`);
        const top = line ? line.getBoundingClientRect().top + window.scrollY - listTop : 0;
        return { c, top, h: c.offsetHeight };
      }),
    };
  });
  for (const { list, cards } of plans) {
    let bottom = 0;
    for (const { c, top, h } of cards) {
      const y = Math.max(top, bottom);
      c.style.top = `${y}px`;
      bottom = y + h + 6;
    }
    list.style.height = `${Math.max(bottom, textHeight)}px`;
    list.classList.add("aligned");
  }
}

function cards() {
  return [...document.querySelectorAll(".ann")]
    .filter((c) => !c.hidden)
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
  if (scrollText && segs[0]) segs[0].scrollIntoView({ block: "nearest" });
}

transcript.addEventListener("click", (e) => {
  const seg = e.target.closest("[data-ids]");
  if (!seg || !window.getSelection().isCollapsed) return;
  const ids = seg.dataset.ids.split(" ").filter((id) => {
    const c = document.getElementById(`ann-${id}`);
    return c && !c.hidden;
  });
  if (ids.length === 0) return;
  // Clicking again cycles through the annotations that cover this segment.
  const current = ids.findIndex((id) => document.getElementById(`ann-${id}`).classList.contains("active"));
  activate(ids[(current + 1) % ids.length], { focusCard: false });
});

for (const list of document.querySelectorAll(".ann-list")) {
  list.addEventListener("click", (e) => {
    const card = e.target.closest(".ann");
    if (!card) return;
    const edit = e.target.closest("[data-edit]");
    if (edit) {
      openEditor(card);
      return;
    }
    if (!e.target.closest("a, button")) activate(card.dataset.id, { scrollText: true });
  });
  list.addEventListener("focusin", (e) => {
    const card = e.target.closest(".ann");
    if (card && e.target === card) activate(card.dataset.id, { scrollText: true });
  });
}

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
  layout();
}

for (const box of document.querySelectorAll("input[data-filter], input[data-author-filter]")) {
  box.addEventListener("change", filterNotes);
}

document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || typing(e) || composer.open || editor.open) return;
  const key = e.key.toLowerCase();
  const sel = currentSelection();
  if (sel && ["1", "2", "3", "s"].includes(key)) {
    e.preventDefault();
    openComposer({ 1: "descriptive", 2: "linguistic", 3: "conceptual", s: "statement" }[key]);
    return;
  }
  if (key === "j" || key === "k") {
    e.preventDefault();
    const list = cards();
    if (list.length === 0) return;
    const at = list.indexOf(document.activeElement.closest?.(".ann"));
    const next = at < 0 ? (key === "j" ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + (key === "j" ? 1 : -1)));
    activate(list[next].dataset.id, { scrollText: true, focusCard: true });
    return;
  }
  if (key === "enter" && document.activeElement.classList?.contains("ann")) {
    e.preventDefault();
    openEditor(document.activeElement);
    return;
  }
  if (key === "escape") {
    hideSelbar();
    pending = null;
    window.getSelection().removeAllRanges();
    activate(null);
  }
});

window.addEventListener("resize", layout);
if (document.fonts) document.fonts.ready.then(layout);
layout();
