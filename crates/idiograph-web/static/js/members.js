// The members page: each action's address carries the member's name; removing a member asks
// first; a change that ends the viewer's own access to this page (no longer owner, signed out,
// removed) asks first and then leaves the page; deleting the project needs the study's title
// typed, and then the session is over. Every call goes through common.js.

import { act, api, flash } from "./common.js";

const member = (name) => `/api/v1/members/${encodeURIComponent(name)}`;

/** Makes a change that ends the viewer's access here, after asking, then goes to `next`. */
async function leaving(question, method, url, body, next) {
  if (!window.confirm(question)) return;
  try {
    await api(method, url, body);
    location.assign(next);
  } catch (e) {
    flash(e.message, "error");
  }
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (form.dataset.memberRole !== undefined) {
    event.preventDefault();
    const name = form.dataset.memberRole;
    const role = form.elements.role.value;
    if ("self" in form.dataset && role !== "owner") {
      const question = `Become ${role}? You will no longer manage the members or the study settings.`;
      await leaving(question, "PUT", member(name), { role }, "/");
    } else {
      await act("PUT", member(name), { role }, `${name} is now ${role}.`);
    }
  } else if (form.id === "add-member") {
    event.preventDefault();
    const name = form.elements.name.value.trim();
    const role = form.elements.role.value;
    await act("PUT", member(name), { role }, `${name} is now a member, as ${role}.`);
  } else if (form.id === "delete-project") {
    event.preventDefault();
    try {
      await api("DELETE", "/api/v1/project", { title: form.elements.title.value });
      // Everyone's sessions, this one's too, ended with the project.
      location.assign("/login");
    } catch (e) {
      flash(e.message, "error");
    }
  }
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-sign-out], button[data-remove]");
  if (!button) return;
  const self = "self" in button.dataset;
  if (button.dataset.signOut !== undefined) {
    const name = button.dataset.signOut;
    const url = `${member(name)}/sign-out`;
    if (self) await leaving("Sign yourself out everywhere, this browser included?", "POST", url, undefined, "/login");
    else await act("POST", url, undefined, `${name} was signed out everywhere.`);
    return;
  }
  const name = button.dataset.remove;
  const question = self
    ? "Remove yourself from this study? You will no longer be able to open it."
    : `Remove ${name} from this study? Their account stays, but they can no longer open the study.`;
  if (self) await leaving(question, "DELETE", member(name), undefined, "/login");
  else if (window.confirm(question)) await act("DELETE", member(name), undefined, `Removed ${name}.`);
});
