// The pseudonymisation page: applying asks for confirmation first (it makes new versions and
// moves the originals out of the project), and its result is shown after the reload that
// brings the new versions in. Every other control posts through common.js and is shown in place
// (the page's <main> is rendered again), so the listener here is on the document.

import { api, flash, formBody, reload } from "./common.js";

const KEPT = "idg-deid-result";

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (form.id !== "apply") return;
  event.preventDefault();
  if (!window.confirm(form.dataset.confirm)) return;
  const body = formBody(form);
  // Ticked kinds count only when that scope is chosen.
  if (body.scope !== "kinds") delete body.kinds;
  try {
    const data = await api("POST", "/api/v1/deid/apply", body);
    const lines = data.pseudonymised.map((d) => {
      const counts = Object.entries(d.replacements).map(([category, n]) => `${n} × ${category}`);
      return `${d.transcript}: version ${d.version} (${counts.join(", ")}); ${d.anchors_moved} annotations carried over`;
    });
    for (const f of data.fields) lines.push(`${f.place}: ${f.replacements} replaced`);
    sessionStorage.setItem(KEPT, JSON.stringify(lines));
    reload(lines.length ? `Pseudonymised ${data.pseudonymised.length} transcripts and ${data.fields.length} other fields.` : "Nothing to replace.");
  } catch (e) {
    flash(e.message, "error");
  }
});

const kept = sessionStorage.getItem(KEPT);
const result = document.getElementById("apply-result");
if (kept && result) {
  sessionStorage.removeItem(KEPT);
  try {
    for (const line of JSON.parse(kept)) {
      const item = document.createElement("li");
      item.textContent = line;
      result.append(item);
    }
  } catch (_) {}
}
