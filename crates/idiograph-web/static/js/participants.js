// The participants and transcripts page: the participants table saves every changed row at
// once (a new row is a new participant) and grows a column for all; a transcript is deleted
// only after a confirmation, and the question about the likely interviewer is asked once.

import { act, api, flash, reload } from "./common.js";

const form = document.getElementById("people");
const table = document.getElementById("people-table");

/** A cell with an input for attribute `name` of the row whose pseudonym is `who`. */
function cell(name, who, value = "") {
  const td = document.createElement("td");
  const input = document.createElement("input");
  input.dataset.attr = name;
  input.value = value;
  input.setAttribute("aria-label", `${name} of ${who}`);
  td.append(input);
  return td;
}

function pseudonymOf(row) {
  return row.querySelector('input[name="pseudonym"]').value.trim() || "the new participant";
}

document.getElementById("add-column").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = event.target.elements.column;
  const name = input.value.trim();
  if (!name) return;
  if ([...table.tHead.rows[0].cells].some((c) => c.dataset.column === name)) {
    flash(`There is already a column “${name}”.`, "error");
    return;
  }
  const th = document.createElement("th");
  th.scope = "col";
  th.dataset.column = name;
  th.textContent = name;
  table.tHead.rows[0].append(th);
  for (const row of table.tBodies[0].rows) row.append(cell(name, pseudonymOf(row)));
  input.value = "";
  table.tBodies[0].rows[0]?.lastElementChild.querySelector("input")?.focus();
  flash(`Column “${name}” added: fill it in, then save.`);
});

document.getElementById("more-people").addEventListener("click", () => {
  const template = table.querySelector("tr[data-new]");
  const row = template.cloneNode(true);
  for (const input of row.querySelectorAll("input")) input.value = "";
  template.parentElement.append(row);
  row.querySelector("input").focus();
});

/** The attributes of `row` that differ from what the page was loaded with. */
function changedAttributes(row, all) {
  const attributes = {};
  for (const input of row.querySelectorAll("input[data-attr]")) {
    if (all ? input.value.trim() !== "" : input.value !== input.defaultValue) attributes[input.dataset.attr] = input.value;
  }
  return attributes;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const calls = [];
  for (const row of table.tBodies[0].rows) {
    const name = row.querySelector('input[name="pseudonym"]');
    if ("new" in row.dataset) {
      if (name.value.trim()) calls.push(["POST", "/api/v1/participants", { pseudonym: name.value.trim(), attributes: changedAttributes(row, true) }]);
      continue;
    }
    const body = {};
    if (name.value !== name.defaultValue) body.pseudonym = name.value;
    const attributes = changedAttributes(row, false);
    if (Object.keys(attributes).length) body.attributes = attributes;
    if (Object.keys(body).length) calls.push(["PATCH", `/api/v1/participants/${row.dataset.id}`, body]);
  }
  if (!calls.length) {
    flash("Nothing changed.");
    return;
  }
  let saved = 0;
  for (const [method, url, body] of calls) {
    try {
      await api(method, url, body);
      saved++;
    } catch (e) {
      // Out of reach: keep what was typed on the page (the message says what was saved).
      if (e.status === 0) return;
      // What was saved stays saved; the page shows it, and says what was refused.
      reload(`${saved} of ${calls.length} saved. Refused: ${e.message}`, "error");
      return;
    }
  }
  reload(`Saved ${saved} participant${saved === 1 ? "" : "s"}.`);
});

document.addEventListener("click", async (event) => {
  const del = event.target.closest("button[data-delete]");
  if (del) {
    const { delete: id, title } = del.dataset;
    const question = `Delete ${id} “${title}” with its notes, extracts and the statements made only from it?\nUndo (Ctrl+Z) brings it back.`;
    if (window.confirm(question)) await act("DELETE", `/api/v1/transcripts/${id}`, undefined, `Deleted ${id}. Undo (Ctrl+Z) brings it back.`);
    return;
  }
  const no = event.target.closest("button[data-dismiss]");
  if (no) {
    const ask = no.closest("[data-ask]");
    localStorage.setItem(`idg-asked-${ask.dataset.ask}`, "no");
    ask.hidden = true;
  }
});

// The question about the interviewer is asked once per transcript version (a "no" is kept).
for (const ask of document.querySelectorAll("[data-ask]")) {
  ask.hidden = localStorage.getItem(`idg-asked-${ask.dataset.ask}`) === "no";
}
