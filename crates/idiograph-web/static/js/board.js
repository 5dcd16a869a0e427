// The case and group boards: drag a card (a statement, or a PET) onto a theme, or use the
// card's menu and button, which does the same from the keyboard. Optionally asks for the
// grouping strategy and rationale before each move.
//
// Several analysts may work on one board (issue #8). Every change the board sends names what
// it showed: the receiving theme's revision as If-Match, and, when a card leaves a theme, the
// revision of its assignment there. A change made on a stale view is refused by the server
// (409, nothing changed); the board then shows the current state in place and says who
// changed what. Changes by others arrive live: a board at rest re-reads itself; a board in use
// (a drag, the reason dialog, a half-typed form) keeps the "changed meanwhile" notice until it
// is at rest again, so nothing the analyst is doing is thrown away.

import { api, flash, pending, reload, stale } from "./common.js";
import { caughtUp, heard } from "./live.js";

const board = document.getElementById("board");
const why = document.getElementById("why");
const askWhy = document.getElementById("ask-why");
/** The card being dragged, if any. */
let dragged = null;

if (askWhy) {
  askWhy.checked = localStorage.getItem("idg-ask-why") === "1";
  askWhy.addEventListener("change", () => localStorage.setItem("idg-ask-why", askWhy.checked ? "1" : "0"));
}

/** Asks for strategy and rationale; resolves to {strategy, rationale} or null if cancelled. */
function askReason() {
  return new Promise((resolve) => {
    const form = document.getElementById("why-form");
    form.reset();
    why.returnValue = "";
    why.addEventListener(
      "close",
      () => {
        if (why.returnValue !== "save") return resolve(null);
        const data = new FormData(form);
        resolve({ strategy: data.get("strategy") || undefined, rationale: data.get("rationale") || undefined });
      },
      { once: true },
    );
    why.showModal();
  });
}

/** The revision of theme `id` as the board shows it. */
function revisionOf(id) {
  return board.querySelector(`.dropzone[data-theme="${CSS.escape(id)}"]`)?.dataset.revision;
}

/** Moves the member of `card` from the theme it sits in ("" = unclustered) to theme `to`
 * ("" = unclustered): one command, so a stale move is refused whole and undone as one step. */
async function move(card, to) {
  const member = card.dataset.member;
  const from = card.dataset.from || "";
  if (from === to) return;
  const key = member.toUpperCase().startsWith("TH") ? "theme_member" : "statement";
  // What the analyst decided on: the board as shown now, before the reason dialog.
  const into = to ? revisionOf(to) : undefined;
  const left = card.dataset.revision || undefined;
  let reason = {};
  if (to && askWhy && askWhy.checked) {
    reason = await askReason();
    if (!reason) return;
  }
  pending.count++;
  try {
    if (!to) {
      const which = `theme=${encodeURIComponent(from)}&${key}=${encodeURIComponent(member)}`;
      await api("DELETE", `/api/v1/assignments?${which}`, undefined, left);
    } else if (from && board.dataset.scope === "case") {
      await api("POST", "/api/v1/assignments", { theme: to, [key]: member, from, from_revision: left, ...reason }, into);
    } else {
      await api("POST", "/api/v1/assignments", { theme: to, [key]: member, ...reason }, into);
    }
    reload(to ? `${member} assigned to ${to}.` : `${member} unclustered.`);
  } catch (e) {
    if (e.status === 409 || e.status === 404) await showCurrent(e);
    else flash(e.message, "error");
  } finally {
    pending.count--;
  }
}

/** Who last changed theme `id`, among the changes this page heard. */
function whoChanged(id) {
  const named = new RegExp(`\\b${id}\\b`);
  for (let i = heard.length - 1; i >= 0; i--) {
    if (named.test(heard[i].summary || "")) return heard[i].author;
  }
  return null;
}

/** After the server refused a change made on a stale view: shows the board as it is now and
 * says who changed what. */
async function showCurrent(e) {
  const theme = e.current && e.current.id ? e.current : null;
  const message = theme
    ? `${whoChanged(theme.id) || "Someone else"} changed ${theme.id} “${theme.title}” since you opened the board — ` +
      "the board now shows the current state. Your change was not applied."
    : `${e.message} — the board now shows the current state.`;
  await refreshBoard();
  flash(message, "error");
}

// The board's forms (rename, merge, split, delete, note) answer a stale change the same way.
if (board) stale.handle = showCurrent;

/** Re-reads the board from the server and shows it in place, keeping open tools and focus. */
async function refreshBoard() {
  const res = await fetch(location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
  if (!res.ok) return reload();
  const fresh = new DOMParser().parseFromString(await res.text(), "text/html");
  const open = [...board.querySelectorAll("details[open]")].map((d) => d.id);
  const focused = document.activeElement && document.activeElement.id;
  for (const id of ["board", "matrix"]) {
    const mine = document.getElementById(id);
    const theirs = fresh.getElementById(id);
    if (mine && theirs) mine.replaceChildren(...theirs.childNodes);
  }
  for (const id of open) {
    const details = id && document.getElementById(id);
    if (details) details.open = true;
  }
  if (focused) document.getElementById(focused)?.focus();
  caughtUp();
}

/** Whether a form control differs from what the board rendered. */
function edited(el) {
  if (el.tagName === "SELECT") return el.selectedIndex !== Math.max(0, [...el.options].findIndex((o) => o.defaultSelected));
  if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
  return el.value !== el.defaultValue;
}

/** Whether the analyst is in the middle of something a re-read would throw away. */
function busy() {
  if (dragged || (why && why.open) || pending.count > 0) return true;
  const active = document.activeElement;
  if (active && board.contains(active) && (active.tagName === "TEXTAREA" || (active.tagName === "INPUT" && active.type === "text")))
    return true;
  return [...board.querySelectorAll("input, textarea, select")].some(edited);
}

let behind = false;
let timer = null;

/** Re-reads the board soon (changes often come in bursts), then says what changed. */
function refreshSoon(change) {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    if (busy()) {
      behind = true;
      return;
    }
    await refreshBoard();
    if (change && !document.querySelector("#flash.show.error")) {
      flash(`Updated: ${change.summary || change.action} — by ${change.author}.`);
    }
  }, 150);
}

/** Catches up with changes that arrived while the board was in use, once it is at rest. */
function atRest() {
  setTimeout(() => {
    if (behind && !busy()) {
      behind = false;
      refreshSoon(null);
    }
  }, 0);
}

board?.addEventListener("idg:change", (e) => {
  if (busy()) {
    behind = true;
    return;
  }
  e.preventDefault();
  refreshSoon(e.detail);
});
board?.addEventListener("focusout", atRest);
board?.addEventListener("change", atRest);
why?.addEventListener("close", atRest);

board?.addEventListener("dragstart", (e) => {
  const card = e.target.closest("[data-member]");
  if (!card) return;
  dragged = card;
  card.classList.add("dragging");
  e.dataTransfer.effectAllowed = "move";
  e.dataTransfer.setData("text/plain", card.dataset.member);
});

board?.addEventListener("dragend", () => {
  dragged?.classList.remove("dragging");
  dragged = null;
  for (const z of board.querySelectorAll(".over")) z.classList.remove("over");
  atRest();
});

board?.addEventListener("dragover", (e) => {
  const zone = e.target.closest(".dropzone");
  if (!zone) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = "move";
  for (const z of board.querySelectorAll(".over")) if (z !== zone) z.classList.remove("over");
  zone.classList.add("over");
});

board?.addEventListener("dragleave", (e) => {
  const zone = e.target.closest(".dropzone");
  if (zone && !zone.contains(e.relatedTarget)) zone.classList.remove("over");
});

board?.addEventListener("drop", async (e) => {
  const zone = e.target.closest(".dropzone");
  if (!zone) return;
  e.preventDefault();
  zone.classList.remove("over");
  const member = e.dataTransfer.getData("text/plain") || dragged?.dataset.member;
  if (!member) return;
  const card = dragged || board.querySelector(`[data-member="${CSS.escape(member)}"]`);
  if (card) await move(card, zone.dataset.theme || "");
});

board?.addEventListener("click", async (e) => {
  const button = e.target.closest("button[data-move]");
  if (!button) return;
  const card = button.closest("[data-member]");
  const select = card.querySelector("select[data-move-select]");
  if (!select.value) {
    flash("Choose a theme in the menu first.", "error");
    select.focus();
    return;
  }
  await move(card, select.value === "-" ? "" : select.value);
});
