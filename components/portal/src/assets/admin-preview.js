// The catalogue editor's live preview (admin/setup/service.html): when the question form
// changes, it is posted with `preview`, exactly as its "Preview" button does without
// JavaScript, and the preview region takes the answer's. The page's own escaped HTML is
// parsed inert (DOMParser runs no script) before its nodes move in.
(() => {
  const form = document.querySelector('form[data-live-preview]');
  const region = document.querySelector('[data-preview]');
  const note = document.querySelector('[data-preview-note]');
  if (!form || !region || !window.fetch || !window.DOMParser) return;
  let timer;
  let latest = 0;
  async function refresh() {
    const body = new URLSearchParams(new FormData(form));
    body.set('preview', 'true');
    const ticket = ++latest;
    try {
      const answer = await fetch(form.action, { method: 'POST', body, credentials: 'same-origin' });
      const page = new DOMParser().parseFromString(await answer.text(), 'text/html');
      if (ticket !== latest) return;
      const fresh = page.querySelector('[data-preview]');
      const said = page.querySelector('[data-preview-note]');
      if (fresh) region.replaceChildren(...[...fresh.childNodes].map((n) => document.importNode(n, true)));
      if (said && note) note.textContent = said.textContent;
    } catch (error) {
      // The button still previews on demand.
    }
  }
  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
})();
