// Shared behaviour of every page: calling the API, forms and buttons that post to it,
// messages, and the global undo/redo keys (Ctrl+Z, Ctrl+Shift+Z).
//
// Pages are rendered by the server; after a change most reload, so the page always shows what
// the project holds (the scroll position survives the reload). The transcript view instead
// puts the changed parts in place (`inPlace`).

/** Where this study's workbench is mounted: `/studies/NAME` when a home page serves several
 * studies, empty when the server serves one. The server puts it on `<html data-base>`. */
export const base = document.documentElement.dataset.base || "";

/** `url` within this study: a root-relative address gets the mount's prefix. */
export function within(url) {
  return url.startsWith("/") && !url.startsWith("//") && !url.startsWith(`${base}/`) ? base + url : url;
}

/** Calls the API; resolves to the JSON body or rejects with an Error carrying its message,
 * status and, for a stale change, `current`: the object as it is now. `revision` is the version
 * of the object the page showed: if someone changed it since, the server refuses with 409 and
 * changes nothing. */
export async function api(method, url, body, revision) {
  const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (revision) init.headers["If-Match"] = `"${revision}"`;
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(within(url), init);
  } catch (_) {
    // The browser's own words ("Failed to fetch") tell a person nothing.
    const error = new Error(unreachable());
    error.status = 0;
    offline(error.message);
    throw error;
  }
  if (res.ok && method !== "GET") sessionStorage.setItem("idg-saved", String(Date.now()));
  let data = null;
  try {
    data = await res.json();
  } catch (_) {
    data = null;
  }
  if (!res.ok) {
    const error = new Error((data && data.error) || `${res.status} ${res.statusText}`);
    error.status = res.status;
    error.current = data ? data.current : undefined;
    throw error;
  }
  return data;
}

/** What to tell a person when the server does not answer at all: the server has stopped or the
 * network dropped, the change just made was not saved, and what was saved last. */
export function unreachable(changing = true) {
  const saved = Number(sessionStorage.getItem("idg-saved"));
  const time = (t) => new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const last = saved
    ? `Your last saved change, at ${time(saved)}, is safe, and so is everything before it.`
    : `Everything saved before this page opened (${time(performance.timeOrigin)}) is safe.`;
  const change = changing ? " This change was not saved." : "";
  return `The workbench cannot be reached: the Idiograph server has stopped or the connection dropped.${change} ${last} Start Idiograph again, then reload this page.`;
}

/** Keeps the message about an unreachable server at the top of the page until it is reloaded:
 * unlike a passing message, it must not go unseen. */
export function offline(message) {
  let banner = document.getElementById("offline");
  if (!banner) {
    banner = document.createElement("p");
    banner.id = "offline";
    banner.className = "offline";
    banner.setAttribute("role", "alert");
    document.body.prepend(banner);
  }
  banner.textContent = message;
}

/** Takes the message about an unreachable server away: it answers again. */
export function online() {
  document.getElementById("offline")?.remove();
}

/** Shows a message in the page's live region. */
export function flash(message, kind = "info") {
  const el = document.getElementById("flash");
  if (!el) return;
  el.textContent = message;
  el.className = `flash show ${kind}`;
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => el.classList.remove("show"), kind === "error" ? 9000 : 4000);
}

/** Reloads the page keeping the scroll position and showing `message` afterwards. */
export function reload(message, kind = "info") {
  sessionStorage.setItem("idg-scroll", JSON.stringify({ path: location.pathname, y: window.scrollY }));
  if (message) sessionStorage.setItem("idg-flash", JSON.stringify({ message, kind }));
  location.reload();
}

function restore() {
  const saved = sessionStorage.getItem("idg-scroll");
  if (saved) {
    sessionStorage.removeItem("idg-scroll");
    try {
      const { path, y } = JSON.parse(saved);
      if (path === location.pathname && !location.hash) window.scrollTo(0, y);
    } catch (_) {}
  }
  const savedFlash = sessionStorage.getItem("idg-flash");
  if (savedFlash) {
    sessionStorage.removeItem("idg-flash");
    try {
      const { message, kind } = JSON.parse(savedFlash);
      flash(message, kind);
    } catch (_) {}
  }
  // The outcome of the last upload (file by file, or a merge's report), kept across the reload
  // that shows what it added: `{ list, items }`, each item `{ kind: "ok" | "refused" | "note", text }`.
  const imported = sessionStorage.getItem("idg-import");
  if (imported) {
    sessionStorage.removeItem("idg-import");
    try {
      const { list, items } = JSON.parse(imported);
      const into = document.getElementById(list);
      for (const { kind, text } of into ? items : []) {
        const item = document.createElement("li");
        item.className = kind;
        item.textContent = text;
        into.append(item);
      }
    } catch (_) {}
  }
}

/** Whether this page has a change of its own in flight (live updates ignore it: the page
 * reloads when it is done). */
export const pending = { count: 0 };

/** What the page does when the server refuses a change made on a stale view (409 with the
 * current state): by default it reloads to show the other's version with the message; a page
 * that can show the current state in place (the boards) sets its own `handle`. */
export const stale = { handle: (error) => reload(error.message, "error") };

/** Runs an API call and reloads on success, or shows the error. When someone else changed the
 * object meanwhile (409 on a stale revision), shows their version with the message. */
export async function act(method, url, body, done = "Saved.", revision) {
  pending.count++;
  try {
    const data = await api(method, url, body, revision);
    const message = typeof done === "function" ? done(data) : done;
    if (inPlace.refresh) {
      await inPlace.refresh();
      flash(message);
    } else reload(message);
    return data;
  } catch (e) {
    if (e.status === 409 && revision) await stale.handle(e);
    else flash(e.message, "error");
    return null;
  } finally {
    pending.count--;
  }
}

/** Builds a JSON body from a form: `a.b` names nest, `x[]` collects checked values,
 * `_key`/`_value` with `data-into` set one entry of a map; empty fields are left out unless
 * marked `data-keep-empty`; a chosen option with `data-revision` adds `<name>_revision` (the
 * revision of the object chosen, e.g. the theme to merge into). */
export function formBody(form) {
  const body = {};
  let key = null;
  let into = null;
  let value = "";
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if ((el.type === "checkbox" || el.type === "radio") && !el.checked) continue;
    if (el.name === "_key") {
      key = el.value.trim();
      into = el.dataset.into;
      continue;
    }
    if (el.name === "_value") {
      value = el.value;
      continue;
    }
    if (el.name.endsWith("[]")) {
      const name = el.name.slice(0, -2);
      (body[name] ||= []).push(el.value);
      continue;
    }
    const chosen = el.tagName === "SELECT" ? el.selectedOptions[0] : null;
    if (chosen && chosen.dataset.revision) body[`${el.name}_revision`] = chosen.dataset.revision;
    if (el.value === "" && !("keepEmpty" in el.dataset)) continue;
    const path = el.name.split(".");
    let target = body;
    for (const part of path.slice(0, -1)) target = target[part] ||= {};
    target[path[path.length - 1]] = el.value;
  }
  if (key && into) body[into] = { [key]: value };
  return body;
}

const verbs = { POST: "Done.", PATCH: "Saved.", DELETE: "Deleted." };

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (form.dataset.api) {
    event.preventDefault();
    const method = form.dataset.method || "POST";
    await act(method, form.dataset.api, formBody(form), verbs[method], form.dataset.revision);
  } else if (form.dataset.codebook) {
    // A REFI-QDA codebook: the report says how many themes were made and which codes were
    // already themes (not imported, their sub-codes put under those themes).
    event.preventDefault();
    await act("POST", form.dataset.codebook, new FormData(form), (d) => {
      const clashes = d.clashes.map((c) => `“${c.code}” (already ${c.theme})`).join(", ");
      return `Imported ${d.themes.length} themes.${clashes ? " Not imported: " + clashes + "." : ""}`;
    });
  } else if (form.dataset.upload) {
    event.preventDefault();
    try {
      const data = await api("POST", form.dataset.upload, new FormData(form));
      const ids = (data.imported || []).map((f) => `${f.id} (${f.file_name})`).join(", ");
      const refused = (data.refused || []).map((f) => f.reason).join("; ");
      const items = [
        ...(data.imported || []).map((f) => ({ kind: "ok", text: `${f.file_name}: imported as ${f.id}` })),
        ...(data.refused || []).map((f) => ({ kind: "refused", text: f.reason })),
      ];
      sessionStorage.setItem("idg-import", JSON.stringify({ list: "import-status", items }));
      reload(`Imported ${ids || "nothing"}.${refused ? " Refused: " + refused : ""}`);
    } catch (e) {
      flash(e.message, "error");
    }
  } else if (form.dataset.merge) {
    // A REFI-QDA project merged into the study: its report (what was added, what the study
    // already had, what was left out and why) is listed under the form after the reload.
    event.preventDefault();
    try {
      const d = await api("POST", form.dataset.merge, new FormData(form));
      const added = Object.entries(d.added).map(([kind, n]) => `${n} ${kind}`).join(", ");
      const items = [
        { kind: "ok", text: `${d.file}: added ${added}` },
        ...d.transcripts.map((t) => ({ kind: "ok", text: `${t.id} ${t.title} (${t.participant})` })),
        ...d.duplicates.filter((x) => x.passages_placed).map((x) => ({ kind: "note", text: `“${x.source}” is already ${x.transcript}: its codings were placed there` })),
        ...d.clashes.map((c) => ({ kind: "note", text: `code “${c.code}” is already ${c.theme}: its codings went there` })),
        ...d.diagnostics.map((text) => ({ kind: "note", text })),
      ];
      sessionStorage.setItem("idg-import", JSON.stringify({ list: "merge-report", items }));
      reload(`Merged ${d.file}: ${added}.`);
    } catch (e) {
      flash(e.message, "error");
    }
  }
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-api]");
  if (button && !button.form?.dataset.api) {
    event.preventDefault();
    const body = {};
    for (const [k, v] of Object.entries(button.dataset)) {
      if (k.startsWith("body") && k.length > 4) {
        const name = k.slice(4).toLowerCase();
        body[name] = /^\d+$/.test(v) && (name === "start" || name === "end") ? Number(v) : v;
      }
    }
    const method = button.dataset.method || "POST";
    const payload = Object.keys(body).length ? body : undefined;
    await act(method, button.dataset.api, payload, verbs[method], button.dataset.revision);
    return;
  }
  if (button && button.form?.dataset.api) {
    // A delete button inside an edit form: act on its own, not as the form's submit.
    event.preventDefault();
    await act(button.dataset.method || "POST", button.dataset.api, undefined, "Deleted.", button.dataset.revision);
    return;
  }
  const action = event.target.closest("[data-action]");
  if (action) await undoRedo(action.dataset.action);
});

/** A page that can show any change in place sets `refresh`: its changes, undo and redo then
 * update it without a reload. The transcript view swaps in the parts that changed; a page whose
 * `<main>` has `data-in-place` (the pseudonymisation page) gets [`swapMain`]. */
export const inPlace = { refresh: null };

/** Where the focus is, so that it can be put back in the same place after `<main>` is rendered
 * again: the element's id, or its item's position in its list (the item itself may have been
 * decided: the focus then goes to the next item still to decide). */
function focusPlace(el) {
  if (!el || el === document.body || !el.closest("main")) return null;
  if (el.id) return { id: el.id };
  const item = el.closest("li, tr");
  if (!item) return null;
  const tag = item.parentElement.tagName.toLowerCase();
  return { tag, list: [...document.querySelectorAll(`main ${tag}`)].indexOf(item.parentElement), index: [...item.parentElement.children].indexOf(item) };
}

function refocus(place) {
  if (!place) return;
  if (place.id) return document.getElementById(place.id)?.focus({ preventScroll: true });
  const list = document.querySelectorAll(`main ${place.tag}`)[place.list];
  // An item marked `data-done` (a decided candidate) is passed over: the next one is what the
  // reader turns to.
  for (const item of list ? [...list.children].slice(place.index) : []) {
    if (item.hasAttribute("data-done")) continue;
    const control = item.querySelector("button, input:not([type=hidden]), select, textarea, a[href], summary");
    if (control) return control.focus({ preventScroll: true });
  }
}

/** Renders the page's `<main>` again from the server and puts it in place of the old one,
 * keeping the scroll position and the focus: a change shown without a reload. Page scripts
 * listen on the document, so the new elements need no listeners of their own. */
export async function swapMain() {
  const res = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
  const fresh = res.ok ? new DOMParser().parseFromString(await res.text(), "text/html").querySelector("main") : null;
  const main = document.querySelector("main");
  if (!fresh || !main) return reload();
  const place = focusPlace(document.activeElement);
  const y = window.scrollY;
  main.replaceChildren(...fresh.childNodes);
  window.scrollTo(window.scrollX, y);
  refocus(place);
  // Counted, so that a test (or a script) can wait for the page to show a change.
  document.documentElement.dataset.updates = String(Number(document.documentElement.dataset.updates || 0) + 1);
}

if (document.querySelector("main[data-in-place]")) inPlace.refresh = swapMain;

async function undoRedo(which) {
  try {
    pending.count++;
    const data = await api("POST", `/api/v1/${which}`);
    const message = `${which === "undo" ? "Undone" : "Redone"}: ${data.summary || data.action}`;
    if (!data.done) flash(data.message);
    else if (inPlace.refresh) {
      await inPlace.refresh();
      flash(message);
    } else reload(message);
  } catch (e) {
    flash(e.message, "error");
  } finally {
    pending.count--;
  }
}

/** Whether keys typed now belong to a text field rather than to the page. */
export function typing(event) {
  const t = event.target;
  return t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName);
}

document.addEventListener("keydown", (event) => {
  if (!(event.ctrlKey || event.metaKey) || event.altKey || typing(event)) return;
  const key = event.key.toLowerCase();
  if (key === "z") {
    event.preventDefault();
    undoRedo(event.shiftKey ? "redo" : "undo");
  } else if (key === "y") {
    event.preventDefault();
    undoRedo("redo");
  }
});

restore();
