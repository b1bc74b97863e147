// Knowledge base → article editor: a live preview of the Markdown body. The server renders it
// through the same sanitizer as a saved article (POST /api/v1/kb/articles/preview), so the preview
// never shows HTML a reader would not see. Without this file the editor still works: the preview
// shows the article as last saved.
const body = document.getElementById("f-body");
const target = body ? document.getElementById(body.dataset.preview || "") : null;
const token = body && body.form ? body.form.querySelector('input[name="_csrf"]') : null;

if (body && target && token) {
  let timer = null;
  let latest = 0;

  async function refresh() {
    const request = ++latest;
    try {
      const response = await fetch("/api/v1/kb/articles/preview", {
        method: "POST",
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRF-Token": token.value },
        credentials: "same-origin",
        body: JSON.stringify({ body: body.value }),
      });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const answer = await response.json();
      if (request !== latest) return;
      target.innerHTML = answer.html; // sanitized by the server
      target.classList.remove("stale");
      target.removeAttribute("title");
    } catch (error) {
      if (request !== latest) return;
      target.classList.add("stale");
      target.title = body.dataset.previewError || String(error);
    }
  }

  body.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  });
}
