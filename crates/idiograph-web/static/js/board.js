// The case and group boards: drag a card (a statement, or a PET) onto a theme, or use the
// card's menu and button, which does the same from the keyboard. Optionally asks for the
// grouping strategy and rationale before each move.

import { api, flash, reload } from "./common.js";
import "./live.js";

const board = document.getElementById("board");
const why = document.getElementById("why");
const askWhy = document.getElementById("ask-why");

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

/** Moves `member` from theme `from` ("" = unclustered) to theme `to` ("" = unclustered). */
async function move(member, from, to) {
  if (from === to) return;
  const key = member.toUpperCase().startsWith("TH") ? "theme_member" : "statement";
  let reason = {};
  if (to && askWhy && askWhy.checked) {
    reason = await askReason();
    if (!reason) return;
  }
  try {
    if (from && board.dataset.scope === "case") {
      await api("DELETE", `/api/v1/assignments?theme=${encodeURIComponent(from)}&${key}=${encodeURIComponent(member)}`);
    }
    if (to) await api("POST", "/api/v1/assignments", { theme: to, [key]: member, ...reason });
    reload(to ? `${member} assigned to ${to}.` : `${member} unclustered.`);
  } catch (e) {
    flash(e.message, "error");
  }
}

let dragged = null;

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
  const card = board.querySelector(`[data-member="${CSS.escape(member)}"]`);
  await move(member, card?.dataset.from || "", zone.dataset.theme || "");
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
  await move(card.dataset.member, card.dataset.from || "", select.value === "-" ? "" : select.value);
});
