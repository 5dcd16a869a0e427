// The interview guide page: importing a guide document, and confirming which question each
// interviewer turn of a transcript asks (every turn as its select shows it).
import { act } from "/static/js/common.js";

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (form.dataset.guideImport) {
    event.preventDefault();
    await act("POST", form.dataset.guideImport, new FormData(form), (d) => {
      const skipped = d.skipped.length ? ` Not taken as questions: ${d.skipped.map((s) => `“${s}”`).join(", ")}.` : "";
      return `Added ${d.added} questions and prompts.${skipped}`;
    });
  } else if (form.dataset.confirm) {
    event.preventDefault();
    const turns = [...form.querySelectorAll("select[data-start]")].map((s) => ({
      start: Number(s.dataset.start),
      question: s.value || null,
    }));
    await act("PUT", form.dataset.confirm, { turns }, (d) => {
      const asked = d.turns.filter((t) => t.confirmed).length;
      return `Confirmed ${asked} of ${d.turns.length} interviewer turns of ${d.transcript} as asking a question.`;
    });
  }
});
