// Listening while reading: the transcript's recording plays beside its lines (issue #16).
//
// Each line with a time carries `data-t` (milliseconds from the start of the recording: from the
// transcript's cue times or from aligning it to the recording). The line being heard is
// highlighted and, while the reader is not moving about the text, kept in view. Keys, on the
// transcript page outside a text box:
//
//   P        play from the cursor's line, or pause (resumes where it stopped on the same line)
//   [  ]     back or forward 5 seconds
//   <  >     slower or faster (0.5× to 2×)
//
// Clicking a line's number plays from that line. The browser fetches the recording with Range
// requests, so a seek in a long video does not wait for what comes before it.

import { typing } from "./common.js";

const player = document.getElementById("player");
const media = document.getElementById("media");
const transcript = document.getElementById("transcript");

/** The speeds a reader steps through with < and >. */
const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];

/** How long after the reader last moved the cursor or scrolled the page the heard line is
 * followed again: following must not pull the text from under someone reading elsewhere. */
const LEAVE_ALONE_MS = 4000;

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

if (player && media && transcript) {
  const play = document.getElementById("play");
  const time = document.getElementById("clock");
  const speed = document.getElementById("speed");
  const status = document.getElementById("player-status");
  let heard = null;
  let startedOn = null;
  let movedAt = 0;

  /** The lines that have a time, in order, as [ms, element]: read again as lines arrive. */
  let timed = [];
  const index = () => {
    timed = [...transcript.querySelectorAll(".line[data-t]")].map((el) => [Number(el.dataset.t), el]);
  };
  index();
  new MutationObserver(index).observe(transcript, { childList: true });

  /** The last timed line starting at or before `ms`. */
  function lineAtTime(ms) {
    let lo = 0;
    let hi = timed.length - 1;
    if (hi < 0 || timed[0][0] > ms) return null;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (timed[mid][0] <= ms) lo = mid;
      else hi = mid - 1;
    }
    return timed[lo][1];
  }

  /** The time of line element `el`: its own, or the last earlier line's. */
  function timeOf(el) {
    for (let at = el; at; at = at.previousElementSibling) {
      if (at.classList?.contains("line") && at.dataset.t !== undefined) return Number(at.dataset.t);
    }
    return null;
  }

  function say(text) {
    status.textContent = text;
  }

  function playFrom(el) {
    const ms = timeOf(el);
    if (ms === null) return say(`Line ${el.dataset.g} has no time: nothing before it says when it was said.`);
    media.currentTime = ms / 1000;
    startedOn = el;
    media.play();
    say(`Playing from line ${el.dataset.g} (${clock(ms / 1000)}).`);
  }

  function toggle() {
    if (!media.paused) {
      media.pause();
      return say(`Paused at ${clock(media.currentTime)}.`);
    }
    const cursor = transcript.querySelector(".line.cursor");
    // The same line as before: go on from where it stopped rather than start the line again.
    if (!cursor || cursor === startedOn || cursor === heard) {
      media.play();
      return say(`Playing from ${clock(media.currentTime)}.`);
    }
    playFrom(cursor);
  }

  function skip(seconds) {
    media.currentTime = Math.max(0, Math.min(media.duration || Infinity, media.currentTime + seconds));
    say(`${seconds < 0 ? "Back" : "Forward"} to ${clock(media.currentTime)}.`);
  }

  function setSpeed(step) {
    const at = SPEEDS.indexOf(media.playbackRate);
    const next = SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, (at < 0 ? 2 : at) + step))];
    media.playbackRate = next;
    speed.value = String(next);
    say(`Speed ${next}×.`);
  }

  function showTime() {
    const total = Number.isFinite(media.duration) ? ` / ${clock(media.duration)}` : "";
    time.textContent = `${clock(media.currentTime)}${total}`;
    const el = lineAtTime(media.currentTime * 1000);
    if (el === heard) return;
    heard?.classList.remove("heard");
    heard = el;
    if (!el) return;
    el.classList.add("heard");
    player.dataset.heard = el.dataset.g;
    if (!media.paused && Date.now() - movedAt > LEAVE_ALONE_MS) {
      const r = el.getBoundingClientRect();
      const top = document.querySelector(".col-text .col-head").getBoundingClientRect().bottom + player.offsetHeight + 8;
      if (r.top < top || r.bottom > window.innerHeight - 16) window.scrollBy(0, r.top - (top + window.innerHeight) / 2 + r.height);
    }
  }

  media.addEventListener("timeupdate", showTime);
  media.addEventListener("seeked", showTime);
  media.addEventListener("loadedmetadata", showTime);
  media.addEventListener("play", () => {
    play.textContent = "❚❚ Pause";
    player.dataset.playing = "true";
  });
  media.addEventListener("pause", () => {
    play.textContent = "▶ Play";
    delete player.dataset.playing;
  });
  media.addEventListener("error", () => say("The recording cannot be played in this browser."));
  play.addEventListener("click", toggle);
  document.getElementById("back5").addEventListener("click", () => skip(-5));
  speed.addEventListener("change", () => (media.playbackRate = Number(speed.value)));

  transcript.addEventListener("click", (e) => {
    const ln = e.target.closest(".ln");
    if (ln) playFrom(ln.closest(".line"));
  });
  // A card written while listening plays from where the recording was then.
  document.addEventListener("click", (e) => {
    const at = e.target.closest("[data-play-ms]");
    if (!at) return;
    e.stopPropagation();
    media.currentTime = Number(at.dataset.playMs) / 1000;
    media.play();
    say(`Playing from ${clock(media.currentTime)}, where the recording was when it was written.`);
  }, true);
  // Reading elsewhere (keys that move the cursor, the wheel) stops the page following for a while.
  transcript.addEventListener("keydown", (e) => {
    if (e.key.startsWith("Arrow") || e.key.startsWith("Page") || e.key === "Home" || e.key === "End") movedAt = Date.now();
  });
  window.addEventListener("wheel", () => (movedAt = Date.now()), { passive: true });

  // The correction box asks for its line (or a pause) while the reader types.
  document.addEventListener("idg:listen", (e) => {
    if (e.detail.toggle) return media.paused ? media.play() : media.pause();
    const el = document.getElementById(`L${e.detail.line}`);
    if (el) playFrom(el);
  });

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e) || document.querySelector("dialog[open]")) return;
    const keys = { p: toggle, P: toggle, "[": () => skip(-5), "]": () => skip(5), "<": () => setSpeed(-1), ">": () => setSpeed(1) };
    const act = keys[e.key];
    if (!act) return;
    e.preventDefault();
    act();
  });
}
