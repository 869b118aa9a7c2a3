// Drag and drop onto the upload form; like/dislike buttons on the feed. No build step.
(function () {
  const form = document.getElementById("upload");
  if (form) {
    const input = document.getElementById("file");
    const status = document.getElementById("status");
    ["dragenter", "dragover"].forEach((e) => form.addEventListener(e, (ev) => {
      ev.preventDefault(); form.classList.add("over");
    }));
    ["dragleave", "drop"].forEach((e) => form.addEventListener(e, (ev) => {
      ev.preventDefault(); form.classList.remove("over");
    }));
    form.addEventListener("drop", (ev) => {
      if (ev.dataTransfer.files.length) { input.files = ev.dataTransfer.files; form.requestSubmit(); }
    });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      status.textContent = "Analysing…";
      const response = await fetch("/api/analyses", { method: "POST", body: new FormData(form),
                                                      credentials: "same-origin" });
      const body = await response.json();
      if (response.ok) { window.location.href = "/posts/" + body.post_id; }
      else if (response.status === 401) { window.location.href = "/login"; }
      else { status.textContent = body.error.message; }
    });
  }
  document.querySelectorAll("button.react").forEach((button) => {
    button.addEventListener("click", async () => {
      const status = document.getElementById("feed-status");
      const rec = button.dataset.rec ? Number(button.dataset.rec) : null;
      const response = await fetch("/api/feedback", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ post_id: Number(button.dataset.post), kind: button.dataset.kind,
                               recommendation_id: rec }),
      });
      if (response.ok) {
        status.textContent = "Thanks — updating your feed.";
        window.location.reload();
      } else {
        status.textContent = (await response.json()).error.message;
      }
    });
  });
})();
