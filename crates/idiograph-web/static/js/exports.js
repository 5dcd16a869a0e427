// Export downloads that pass the leak check: a link marked `data-export` is fetched; a refusal
// (422: the export names known real people) is shown with the places found and an explicit
// override, which repeats the request as a POST (recorded in the audit log, so never a GET that
// any page could send).

import { flash, unreachable } from "./common.js";

const notice = document.getElementById("leak");
const message = document.getElementById("leak-message");
const override = document.getElementById("leak-override");

/** Saves a response body under the name its Content-Disposition gives. */
async function save(res) {
  const blob = await res.blob();
  const named = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "");
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = named ? named[1] : "export";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

async function download(url, method = "GET") {
  const res = await fetch(url, { method, credentials: "same-origin" }).catch(() => null);
  if (!res) {
    flash(unreachable(), "error");
    return;
  }
  if (res.ok) {
    notice.hidden = true;
    await save(res);
    return;
  }
  const data = await res.json().catch(() => null);
  const text = (data && data.error) || `${res.status} ${res.statusText}`;
  if (res.status === 422) {
    message.textContent = text;
    override.dataset.url = url;
    notice.hidden = false;
    override.focus();
  } else {
    flash(text, "error");
  }
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-export]");
  if (!link || !notice) return;
  event.preventDefault();
  download(link.getAttribute("href"));
});

override?.addEventListener("click", () => {
  download(override.dataset.url, "POST");
});
