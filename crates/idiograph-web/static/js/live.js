// Live updates on pages that show shared work (transcript view, case board, group board): the
// server sends an event for every committed command, by any analyst on any server process.
// A change by someone else shows a notice naming who did what, with a button to refresh —
// never an automatic reload that would throw away what the reader is typing.

import { pending, reload } from "./common.js";

const live = document.querySelector("[data-live]");

if (live && "EventSource" in window) {
  const notice = document.createElement("div");
  notice.className = "live-notice";
  notice.hidden = true;
  notice.setAttribute("role", "status");
  const text = document.createElement("span");
  const refresh = document.createElement("button");
  refresh.type = "button";
  refresh.className = "btn small primary";
  refresh.textContent = "Refresh";
  refresh.addEventListener("click", () => reload());
  notice.append(text, " ", refresh);
  live.before(notice);

  const changes = [];
  const show = (line) => {
    changes.push(line);
    text.textContent = `Changed meanwhile: ${changes.slice(-3).join("; ")}${changes.length > 3 ? ` (and ${changes.length - 3} more)` : ""}.`;
    notice.hidden = false;
    document.body.dataset.changed = String(changes.length);
  };

  const events = new EventSource("/api/v1/events");
  events.addEventListener("change", (e) => {
    // This page's own change is followed by a reload anyway.
    if (pending.count > 0) return;
    try {
      const c = JSON.parse(e.data);
      show(`${c.summary || c.action} — by ${c.author}`);
    } catch (_) {}
  });
  events.addEventListener("lagged", () => show("many changes"));
}
