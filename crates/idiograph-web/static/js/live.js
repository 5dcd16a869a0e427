// Live updates on pages that show shared work (transcript view, case board, group board): the
// server sends an event for every committed command, by any analyst on any server process.
// A change by someone else shows a notice naming who did what, with a button to refresh —
// never an automatic reload that would throw away what the reader is typing. A page that can
// show the change in place without losing anything (a board at rest) does so instead: it
// cancels the `idg:change` event this module fires on the `[data-live]` element.

import { offline, online, pending, reload, unreachable, within } from "./common.js";

const live = document.querySelector("[data-live]");

/** The changes this page has heard, newest last (the last 50), so that a page can name who
 * changed what. */
export const heard = [];

/** The newest command the page shows (a page that updates in place raises it): events up to
 * it are old news. */
export const shown = { seq: Number(live?.dataset.liveFrom) || 0 };

const changes = [];
let notice = null;

/** Says that the page now shows every change heard so far: the notice goes away. */
export function caughtUp() {
  changes.length = 0;
  if (notice) notice.hidden = true;
  delete document.body.dataset.changed;
}

function show(line) {
  changes.push(line);
  notice.firstChild.textContent = `Changed meanwhile: ${changes.slice(-3).join("; ")}${changes.length > 3 ? ` (and ${changes.length - 3} more)` : ""}.`;
  notice.hidden = false;
  document.body.dataset.changed = String(changes.length);
}

/** Offers `change` (null: too many to list) to the page; shows the notice unless it took it. */
function offer(change, line) {
  const event = new CustomEvent("idg:change", { detail: change, cancelable: true });
  if (live.dispatchEvent(event)) show(line);
}

if (live && "EventSource" in window) {
  notice = document.createElement("div");
  notice.className = "live-notice";
  notice.hidden = true;
  notice.setAttribute("role", "status");
  const refresh = document.createElement("button");
  refresh.type = "button";
  refresh.className = "btn small primary";
  refresh.textContent = "Refresh";
  refresh.addEventListener("click", () => reload());
  notice.append(document.createElement("span"), " ", refresh);
  live.before(notice);

  // Resume from what the page was rendered with, so a change made before the stream opened
  // still arrives; on a reconnect the browser's Last-Event-ID takes over.
  const from = live.dataset.liveFrom;
  const events = new EventSource(within("/api/v1/events") + (from ? `?after=${encodeURIComponent(from)}` : ""));
  events.addEventListener("change", (e) => {
    let c;
    try {
      c = JSON.parse(e.data);
    } catch (_) {
      return;
    }
    heard.push(c);
    if (heard.length > 50) heard.shift();
    // This page's own change is followed by a reload or an in-place update anyway.
    if (pending.count > 0 || c.seq <= shown.seq) return;
    offer(c, `${c.summary || c.action} — by ${c.author}`);
  });
  events.addEventListener("lagged", () => offer(null, "many changes"));
  // The browser retries on its own; meanwhile the page says the server is out of reach.
  events.addEventListener("error", () => {
    if (events.readyState !== EventSource.OPEN) offline(unreachable(false));
  });
  events.addEventListener("open", online);
}
